"""The idea's page and its actions: support, comments, reports, edit, withdraw."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from civicideas.errors import NotAllowed, ServiceError
from civicideas.tenancy.map_tiles import allow_tiles, shows_map
from civicideas.web import page_cache
from civicideas.web.confirm import confirm_page
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.errors import error_response
from civicideas.web.ratelimit import RateLimited, limit_take, rate_limited_response
from ideas import idea_body, rules, selectors, services
from ideas.forms import CommentEditForm, CommentForm, IdeaForm, ReportForm
from ideas.map import location_picker
from ideas.models import Comment, Idea
from ideas.views.common import (
    SIMILAR_LIMIT,
    _form_service_error,
    _idea_scopes,
    _idea_url,
    _login_redirect,
    _signed_in,
    _visible_idea_or_404,
)


def _idea_page(
    request: HttpRequest,
    idea: Idea,
    *,
    status: int = 200,
    comment_form: CommentForm | None = None,
    similar_loaded: bool = False,
) -> Any:
    """The idea's page: a shared body with the person's parts put in
    (``ideas.idea_body``) inside the layout."""
    similar = (_similar_to(idea) if idea.is_public else []) if similar_loaded else None
    body = idea_body.page_body(request, idea, comment_form=comment_form, similar=similar)
    context: dict[str, Any] = {"idea": idea, "body": body}
    if comment_form is not None:
        # The layout's title says "Error:" when a form of the page has errors.
        context["comment_form"] = comment_form
    response = TemplateResponse(request, "ideas/idea.html", context, status=status)
    # The idea's map loads the city's tiles (also on the pages re-shown after a post).
    return allow_tiles(response, request.city)


def _similar_to(idea: Idea) -> list[Idea]:
    return selectors.similar_ideas_cached(
        challenge=idea.challenge, text=idea.title, exclude_id=idea.pk, limit=SIMILAR_LIMIT
    )


@require_GET
@city_required
@shows_map
@vary_on_headers("HX-Request")
@page_cache.anonymous_page(scopes=_idea_scopes)
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The idea's page; ``?similar=1`` adds the similar ideas (the htmx
    request that fills the block after the page loads gets only the block)."""
    # One narrow row with the person's state: the rest is shared.
    idea = selectors.idea_for_viewer(pk=pk, user=request.user)
    if idea is None:
        raise Http404
    similar_loaded = request.GET.get("similar") == "1"
    htmx = getattr(request, "htmx", None)
    if similar_loaded and htmx and htmx.target == "similar-ideas":
        context = {
            "idea": idea,
            "similar": _similar_to(idea) if idea.is_public else [],
            "similar_loaded": True,
        }
        return TemplateResponse(request, f"{idea_body.TEMPLATE}#similar", context)
    return _idea_page(request, idea, similar_loaded=similar_loaded)


SUPPORT_BUTTON = f"{idea_body.TEMPLATE}#support-button"


def _action_error(request: HttpRequest, idea: Idea, error: ServiceError) -> HttpResponse:
    """A refused action: the idea's page (or the htmx fragment) with the
    message, under the service's 4xx status."""
    if getattr(request, "htmx", None):
        fresh = selectors.idea_for_page(pk=idea.pk, user=request.user) or idea
        context = _support_context(request, fresh)
        context["support_error"] = error.message
        response = TemplateResponse(request, SUPPORT_BUTTON, context, status=error.status_code)
        if isinstance(error, RateLimited):
            response["Retry-After"] = str(error.retry_after)
        return response
    if isinstance(error, RateLimited):
        return rate_limited_response(request, error)
    messages.error(request, error.message)
    return _idea_page(request, idea, status=error.status_code)


def _support_context(request: HttpRequest, idea: Idea) -> dict[str, Any]:
    context = idea_body.person_context(request, idea)
    del context["csrf_token"]  # the real one, from the context processor
    return context


@require_POST
@city_required
@service_errors
def idea_support(request: HttpRequest, pk: int) -> HttpResponse:
    """Support or withdraw one's support (``action`` = support | unsupport)."""
    if not _signed_in(request):
        return _login_redirect(request, _idea_url(pk))
    # Read once, not locked: the visibility check, the service and the
    # fragment all use this row (issue 17: <= 6 queries a support). The
    # service takes the idea's lock only for the counter, late, so a rush on
    # one idea does not queue on the whole request.
    idea = selectors.idea_for_viewer(pk=pk, user=request.user)
    if idea is None:
        raise Http404
    action = request.POST.get("action", "support")
    try:
        limit_take(request, "support")
        if action == "unsupport":
            services.idea_unsupport(idea=idea, user=request.user)
            done = _("Your support is withdrawn.")
        else:
            services.idea_support(idea=idea, user=request.user)
            done = _("Thank you for your support.")
    except ServiceError as error:
        return _action_error(request, idea, error)
    if getattr(request, "htmx", None):
        # The services set the new count and ``supported_by_me`` on ``idea``:
        # the fragment answers directly, without reading the idea again.
        context = _support_context(request, idea)
        context["support_done"] = done
        return TemplateResponse(request, SUPPORT_BUTTON, context)
    messages.success(request, done)
    return HttpResponseRedirect(_idea_url(idea))


@require_POST
@city_required
@service_errors
def idea_move_support(request: HttpRequest, pk: int) -> HttpResponse:
    """A supporter of a duplicate moves their support to the original."""
    if not _signed_in(request):
        return _login_redirect(request, _idea_url(pk))
    idea = _visible_idea_or_404(request, pk)
    try:
        services.support_move_to_original(duplicate=idea, user=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return _idea_page(request, idea, status=error.status_code)
    messages.success(request, _("Your support now goes to the original idea."))
    return HttpResponseRedirect(_idea_url(idea.duplicate_of_id))


@require_POST
@city_required
@service_errors
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    if not _signed_in(request):
        return _login_redirect(request, _idea_url(pk))
    idea = _visible_idea_or_404(request, pk)
    limit_take(request, "comment")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _idea_page(request, idea, status=400, comment_form=form)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], idea=idea).first()
        if parent is None:
            raise Http404
    try:
        comment = services.comment_create(
            idea=idea,
            author=request.user,
            body=form.cleaned_data["body"],
            parent=parent,
            language=request.LANGUAGE_CODE,
        )
    except ServiceError as error:
        form.add_error("body", error.message)
        return _idea_page(request, idea, status=error.status_code, comment_form=form)
    messages.success(request, _("Your comment is published."))
    return HttpResponseRedirect(f"{_idea_url(idea)}#comment-{comment.pk}")


def _own_comment_or_404(request: HttpRequest, pk: int) -> tuple[Comment, Idea]:
    comment = get_object_or_404(Comment, pk=pk)
    idea = _visible_idea_or_404(request, comment.idea_id)
    return comment, idea


@require_POST
@city_required
@service_errors
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not _signed_in(request):
        return _login_redirect(request, request.get_full_path())
    comment, idea = _own_comment_or_404(request, pk)
    form = CommentEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Your comment cannot be empty or too long."))
        return _idea_page(request, idea, status=400)
    try:
        services.comment_edit(comment=comment, by=request.user, body=form.cleaned_data["body"])
    except ServiceError as error:
        return _page_error(request, idea, error)
    messages.success(request, _("Your comment is updated."))
    return HttpResponseRedirect(f"{_idea_url(idea)}#comment-{comment.pk}")


def _page_error(request: HttpRequest, idea: Idea, error: ServiceError) -> HttpResponse:
    messages.error(request, error.message)
    return _idea_page(request, idea, status=error.status_code)


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation step (``civicideas.web.confirm``); POST: delete."""
    if not _signed_in(request):
        return _login_redirect(request, request.get_full_path())
    comment, idea = _own_comment_or_404(request, pk)
    if request.method == "GET":
        if not rules.can_delete_comment(request.user, comment):
            return _page_error(request, idea, NotAllowed(_("You cannot delete this comment.")))
        return confirm_page(
            request,
            title=_("Delete your comment?"),
            consequence=_(
                "Your comment will be replaced by “This comment was deleted by its author.” "
                "This cannot be undone."
            ),
            button=_("Yes, delete my comment"),
            back=f"{_idea_url(idea)}#comment-{comment.pk}",
        )
    try:
        services.comment_delete(comment=comment, by=request.user)
    except ServiceError as error:
        return _page_error(request, idea, error)
    messages.success(request, _("Your comment is deleted."))
    return HttpResponseRedirect(f"{_idea_url(idea)}#comments")


@require_POST
@city_required
@service_errors
def idea_report(request: HttpRequest, pk: int) -> HttpResponse:
    if not _signed_in(request):
        return _login_redirect(request, _idea_url(pk))
    idea = _visible_idea_or_404(request, pk)
    return _report(request, page_idea=idea, idea=idea)


@require_POST
@city_required
@service_errors
def comment_report(request: HttpRequest, pk: int) -> HttpResponse:
    if not _signed_in(request):
        return _login_redirect(request, request.get_full_path())
    comment, idea = _own_comment_or_404(request, pk)
    return _report(request, page_idea=idea, comment=comment)


def _report(request: HttpRequest, *, page_idea: Idea, **target: Any) -> HttpResponse:
    idea = page_idea
    limit_take(request, "flag")
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tell the moderators why you report this."))
        return _idea_page(request, idea, status=400)
    try:
        services.report_create(reporter=request.user, reason=form.cleaned_data["reason"], **target)
    except ServiceError as error:
        return _page_error(request, idea, error)
    messages.success(request, _("Thank you. A moderator will look at your report."))
    return HttpResponseRedirect(_idea_url(idea))


@require_http_methods(["GET", "POST"])
@city_required
@shows_map
@service_errors
def idea_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The author edits their idea while the rules allow it; others get 403."""
    if not _signed_in(request):
        return _login_redirect(request, request.get_full_path())
    idea = _visible_idea_or_404(request, pk)
    if not rules.can_edit_idea(request.user, idea):
        return error_response(
            request, NotAllowed(_("You cannot edit this idea.")), back=_idea_url(idea)
        )
    categories, districts = selectors.challenge_filter_options(idea.challenge)
    form_kwargs = {
        "categories": categories,
        "districts": districts,
        "languages": [idea.language],
        "editing": True,
    }
    if request.method == "GET":
        form = IdeaForm(
            initial={
                "title": idea.title,
                "body": idea.body,
                "category": idea.category_id,
                "district": idea.district_id,
                "latitude": idea.latitude,
                "longitude": idea.longitude,
            },
            **form_kwargs,
        )
        return TemplateResponse(
            request,
            "ideas/idea_edit.html",
            {"idea": idea, "form": form, "location_map": location_picker(request.city)},
        )
    form = IdeaForm(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            services.idea_update(idea=idea, by=request.user, **form.service_kwargs())
        except ServiceError as error:
            _form_service_error(form, error)
        else:
            messages.success(request, _("Your idea is updated."))
            return HttpResponseRedirect(_idea_url(idea))
    return TemplateResponse(
        request,
        "ideas/idea_edit.html",
        {"idea": idea, "form": form, "location_map": location_picker(request.city)},
    )


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def idea_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation step (``civicideas.web.confirm``); POST: withdraw."""
    if not _signed_in(request):
        return _login_redirect(request, _idea_url(pk))
    idea = _visible_idea_or_404(request, pk)
    if request.method == "GET":
        if not rules.can_withdraw_idea(request.user, idea):
            return _page_error(request, idea, NotAllowed(_("You cannot withdraw this idea.")))
        return confirm_page(
            request,
            title=_("Withdraw your idea?"),
            consequence=_(
                "“%(title)s” will no longer be shown to anyone but you. This cannot be undone."
            )
            % {"title": idea.title},
            button=_("Yes, withdraw my idea"),
            back=_idea_url(idea),
        )
    try:
        services.idea_withdraw(idea=idea, by=request.user)
    except ServiceError as error:
        return _page_error(request, idea, error)
    messages.success(request, _("Your idea is withdrawn."))
    return HttpResponseRedirect(reverse("ideas:my_participation"))
