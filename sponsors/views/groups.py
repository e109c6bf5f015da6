"""Community group pages, and ideas on behalf of a group (link one, turn one into an initiative)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicideas import inputs
from civicideas.errors import Conflict, NotAllowed, ServiceError
from civicideas.pagination import paginate
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.errors import error_response
from civicideas.web.ratelimit import limit_take
from sponsors import rules, selectors, services
from sponsors.forms import GroupForm, IdeaGroupForm, IdeaInitiativeForm, MemberForm
from sponsors.models import CommunityGroup
from sponsors.views.common import _group_or_404, _initiative_url, _login

GROUPS_PER_PAGE = 24


@require_GET
@city_required
def group_list(request: HttpRequest) -> HttpResponse:
    """The city's approved groups, a page at a time, and the visitor's own."""
    return TemplateResponse(
        request,
        "sponsors/group_list.html",
        {
            "page": paginate(
                selectors.group_directory(),
                page=inputs.parse_page(request.GET.get("page")),
                per_page=GROUPS_PER_PAGE,
            ),
            "my_groups": selectors.my_groups(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def group_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    form = GroupForm(request.POST or None, initial={"contact_email": request.user.email})
    if request.method == "POST":
        limit_take(request, "group")
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(by=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Your group is created. The city will approve it before it is listed.")
            )
            return HttpResponseRedirect(reverse("sponsors:group", args=[group.pk]))
    return TemplateResponse(request, "sponsors/group_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    user = request.user
    is_member = rules.is_group_member(user, group)
    is_admin = rules.is_group_admin(user, group)
    form = MemberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            return _login(request)
        if not is_admin:
            return error_response(
                request, NotAllowed(_("Only the group's administrators can add members."))
            )
        if form.is_valid():
            person = (
                get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
            )
            if person is None:
                form.add_error("email", _("Nobody has an account with this email address yet."))
                status = 400
            else:
                try:
                    services.group_member_add(
                        group=group, by=user, user=person, role=form.cleaned_data["role"]
                    )
                except ServiceError as error:
                    form.add_error(None, error.message)
                    status = error.status_code
                else:
                    messages.success(request, _("The member is added."))
                    return HttpResponseRedirect(reverse("sponsors:group", args=[group.pk]))
        else:
            status = 400
    return TemplateResponse(
        request,
        "sponsors/group.html",
        {
            "group": group,
            "is_member": is_member,
            "is_admin": is_admin,
            # Members' names and emails are for the group itself only.
            "members": selectors.group_members(group) if is_member else [],
            "initiatives": selectors.group_initiatives(group, include_drafts=is_member),
            "form": form,
        },
        status=status,
    )


@require_POST
@city_required
@service_errors
def idea_group_link(request: HttpRequest, idea_pk: int) -> HttpResponse:
    """The author of an idea marks it as submitted on behalf of one of the
    author's (approved) groups; the idea's page then shows the group."""
    from ideas.models import Idea

    if not request.user.is_authenticated:
        return _login(request)
    idea = get_object_or_404(Idea, pk=idea_pk, author=request.user)
    form = IdeaGroupForm(request.POST, groups=selectors.groups_to_submit_for(request.user))
    back = reverse("ideas:idea", args=[idea.pk])
    if not form.is_valid():
        messages.error(request, _("Choose one of your groups."))
        return HttpResponseRedirect(back)
    group = CommunityGroup.objects.get(pk=form.cleaned_data["group"])
    services.idea_link_group(idea=idea, group=group, by=request.user)
    messages.success(
        request, _("Your idea is shown as submitted on behalf of %(group)s.") % {"group": group}
    )
    return HttpResponseRedirect(back)


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def idea_initiative_create(request: HttpRequest, idea_pk: int) -> HttpResponse:
    """Turn an accepted idea into a draft initiative: the initiative form,
    pre-filled from the idea, with the group to choose (the author's approved
    groups they administer; for city staff, any approved group). An idea
    that already became an initiative leads to it instead."""
    from ideas.selectors import visible_ideas

    if not request.user.is_authenticated:
        return _login(request)
    user = request.user
    idea = visible_ideas(user).filter(pk=idea_pk).first()
    if idea is None:
        raise Http404
    existing = selectors.idea_initiative(idea.pk)
    if existing is not None:
        if rules.can_view_initiative(user, existing):
            messages.info(request, _("This idea is already an initiative."))
            return HttpResponseRedirect(_initiative_url(existing.pk))
        return error_response(request, Conflict(_("This idea is already an initiative.")))
    if (refusal := rules.idea_conversion_refusal(user, idea)) is not None:
        return error_response(request, refusal)
    groups = list(selectors.groups_for_idea_conversion(user, idea))
    context: dict[str, Any] = {"idea": idea, "form": None}
    if not groups:
        return TemplateResponse(request, "sponsors/initiative_form.html", context)
    categories, districts = selectors.filter_options()
    initial = IdeaInitiativeForm.initial_from(idea)
    if group_id := inputs.parse_id(request.GET.get("group")):
        initial["group"] = group_id
    form = IdeaInitiativeForm(
        request.POST or None,
        request.FILES or None,
        groups=groups,
        categories=categories,
        districts=districts,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            group = form.chosen_group()
            try:
                initiative = services.initiative_create(
                    group=group, by=user, source_idea=idea, **form.service_kwargs()
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _(
                        "The initiative of %(group)s is saved as a draft. "
                        "The group's administrators add its needs, then publish it."
                    )
                    % {"group": group.name},
                )
                return HttpResponseRedirect(_initiative_url(initiative.pk))
        else:
            status = 400
    context["form"] = form
    return TemplateResponse(request, "sponsors/initiative_form.html", context, status=status)
