"""The public project pages: the list, a project, following it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.context_processors import csrf
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicideas import inputs
from civicideas.content.markdown import render_markdown
from civicideas.pagination import paginate
from civicideas.tenancy.map_tiles import shows_map
from civicideas.web import fragment_cache, page_cache
from civicideas.web.decorators import city_required, service_errors
from ideas.map import IdeaMap, ideas_geojson, tile_settings
from projects import rules, selectors, services
from projects.cache_keys import projects_scope
from projects.forms import ProjectFilterForm
from projects.models import Project

PER_PAGE = 20


def _scopes(request: HttpRequest, *args: object, **kwargs: object) -> list[str]:
    return [projects_scope(request.city.pk)]


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    project = selectors.project_for_page(pk=pk, user=request.user)
    if project is None:
        raise Http404
    return project


@require_GET
@city_required
@page_cache.anonymous_page(scopes=_scopes)
def project_list(request: HttpRequest) -> HttpResponse:
    """The city's projects: filters, search, sorts, pages. The list is the
    same for everyone of a kind (administrators also see the projects not
    public yet), so signed-in visitors share it as a fragment too."""
    manages = rules.can_manage_projects(request.user)
    body = fragment_cache.scoped(
        "project-list",
        scopes=_scopes(request),
        parts=[request.city.pk, manages, request.GET.urlencode(), *_day_and_zone()],
        render=lambda: render_to_string(
            "projects/_project_list_body.html", _list_context(request), request=request
        ),
    )
    return TemplateResponse(request, "projects/project_list.html", {"body": body})


def _day_and_zone() -> tuple[Any, str]:
    """What dates on a project page depend on besides the project: "late"
    and "overdue" are judged on today's date in the city's time zone."""
    return timezone.localdate(), timezone.get_current_timezone_name()


def _list_context(request: HttpRequest) -> dict[str, Any]:
    categories, districts, challenges = selectors.filter_options()
    form = ProjectFilterForm(
        request.GET, categories=categories, districts=districts, challenges=challenges
    )
    filters = form.cleaned_or_defaults()
    projects = selectors.project_list(
        user=request.user,
        status=filters["status"] or None,
        category=filters["category"],
        district=filters["district"],
        challenge=filters["challenge"],
        query=filters["q"],
        sort=filters["sort"],
    )
    page = paginate(projects, page=inputs.parse_page(request.GET.get("page")), per_page=PER_PAGE)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    today = timezone.localdate()
    for project in page.items:
        project.late = project.is_late(today)
    return {
        "form": form,
        "filters": filters,
        "page": page,
        "query_string": query_string.urlencode(),
    }


@require_GET
@city_required
@shows_map
@page_cache.anonymous_page(scopes=_scopes)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's page: what it shows is the same for everyone of a kind
    and shared as a fragment (bumped with the city's projects); only the
    follow button and the back-office link are drawn per person."""
    user = request.user
    # Only what the person's part and the title need; the shared body reads
    # the project with its relations when it is rendered.
    project = selectors.project_visible(pk=pk, user=user)
    if project is None:
        raise Http404
    manages = rules.can_manage_projects(user)
    body = fragment_cache.scoped(
        "project",
        scopes=_scopes(request),
        parts=[request.city.pk, project.pk, manages, *_day_and_zone()],
        render=lambda: render_to_string(
            "projects/_project_body.html", _detail_context(request, project)
        ),
    )
    actions = render_to_string(
        "projects/_project_actions.html",
        {
            "project": project,
            "can_follow": rules.can_follow_project(user, project),
            "following": project.following,
            "can_manage": manages,
            # Without ``request=``: the context processors ran for the page.
            "user": user,
            "request": request,
            # Lazy, as the context processor's: no token (and no cookie,
            # which would keep the page out of the page cache) unless drawn.
            "csrf_token": csrf(request)["csrf_token"],
        },
    )
    body = mark_safe(body.replace(ACTIONS_MARK, actions, 1))  # noqa: S308 - both rendered here
    return TemplateResponse(request, "projects/project.html", {"project": project, "body": body})


#: Where the per-person actions go in the shared body (``_project_body.html``).
ACTIONS_MARK = "<!-- project-actions -->"


def _detail_context(request: HttpRequest, project: Project) -> dict[str, Any]:
    project = _project_or_404(request, project.pk)
    ideas = selectors.project_ideas(project)
    located = [idea for idea in ideas if idea.latitude is not None]
    return {
        "project": project,
        "description": render_markdown(project.description),
        "milestones": selectors.project_milestones(project),
        "updates": selectors.project_updates(project),
        "ideas": ideas,
        "children": selectors.project_children(project, request.user),
        "late": project.is_late(timezone.localdate()),
        "today": timezone.localdate(),
        "idea_map": IdeaMap(
            ideas=located,
            truncated=False,
            geojson=ideas_geojson(located),
            tiles=tile_settings(request.city),
        )
        if located
        else None,
    }


@require_POST
@city_required
@service_errors
def project_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow or stop following (``action=unfollow``) a project."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("projects:detail", args=[pk]))
    project = _project_or_404(request, pk)
    if request.POST.get("action") == "unfollow":
        services.project_unfollow(project=project, user=request.user)
        messages.success(request, _("You no longer follow this project."))
    else:
        services.project_follow(project=project, user=request.user)
        messages.success(
            request, _("You follow this project: its news and changes will reach you.")
        )
    return HttpResponseRedirect(reverse("projects:detail", args=[project.pk]))
