"""The moderation queue page: ``/admin/ideas/idea/moderation/``.

Pending ideas and reported ideas and comments in one list, oldest first
(see ``ideas.moderation``). Each row has the buttons that make sense for it;
several rows can be handled at once with one action and one reason. Every
change goes through ``ideas.services`` (locks, audit log, notifications).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from civicideas.concurrency import OUT_OF_DATE, parse_version
from civicideas.errors import InvalidInput
from civicideas.tenancy.admin_mixins import MAX_BULK
from civicideas.web import fragment_cache
from ideas import rules
from ideas.admin.base import apply_moderation, check_reason
from ideas.admin.forms import QueueActionForm
from ideas.models import Comment, Idea
from ideas.moderation import (
    KIND_COMMENT,
    KIND_IDEA,
    KINDS,
    QueueItem,
    moderation_queue_size,
    parse_key,
    queue_items,
    queue_page_rows,
)

PAGE_SIZE = 50


class _QueuePaginator(Paginator):
    """The queue's pages, counted on ids only (``moderation_queue_size``)
    and read a page at a time (``queue_page_rows``): the queue's queryset
    is never built for the page (issue 17)."""

    def __init__(self, kind: str | None) -> None:
        super().__init__([], PAGE_SIZE)
        self.kind = kind

    @cached_property
    def count(self) -> int:
        return moderation_queue_size(kind=self.kind)

    def page(self, number: Any) -> Page:
        # Each part of the queue read only up to this page (``first``).
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        rows = queue_page_rows(kind=self.kind, bottom=bottom, top=top)
        return Page(rows, number, self)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the page of the queue the moderator was on."""
    query = {key: request.GET[key] for key in ("kind", "page") if request.GET.get(key)}
    return HttpResponseRedirect(request.path + (f"?{urlencode(query)}" if query else ""))


def _targets(keys: list[tuple[str, int]]) -> list[Idea | Comment]:
    """The selected ideas and comments of the current city, in the order
    selected. Any id that is not this city's (or does not exist) makes the
    whole request a 404 before anything changes."""
    idea_ids = {pk for kind, pk in keys if kind == KIND_IDEA}
    comment_ids = {pk for kind, pk in keys if kind == KIND_COMMENT}
    found: dict[tuple[str, int], Idea | Comment] = {}
    if idea_ids:
        found.update(((KIND_IDEA, i.pk), i) for i in Idea.objects.filter(pk__in=idea_ids))
    if comment_ids:
        found.update(((KIND_COMMENT, c.pk), c) for c in Comment.objects.filter(pk__in=comment_ids))
    if len(found) != len(idea_ids) + len(comment_ids):
        raise Http404(_("Not found."))
    return [found[key] for key in dict.fromkeys(keys)]


def _versions(request: HttpRequest, keys: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The version each selected row was shown at (``version-idea:12``).
    Every row of the page carries one; a post without it comes from an
    out-of-date page and changes nothing (``InvalidInput``)."""
    versions = {}
    for kind, pk in keys:
        version = parse_version(request.POST.get(f"version-{kind}:{pk}"))
        if version is None:
            raise InvalidInput(str(OUT_OF_DATE))
        versions[(kind, pk)] = version
    return versions


def _handle_post(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    row_action = request.POST.get("row_action", "")
    if row_action:
        # One row's own button: "hide:idea:12".
        action, _sep, key = row_action.partition(":")
        raw_keys = [key]
        data = {"action": action, "reason": request.POST.get("reason", "")}
    else:
        raw_keys = request.POST.getlist("items")
        data = request.POST
    form = QueueActionForm(data)
    if form.is_valid():
        reason_error = check_reason(form.cleaned_data["action"], form.cleaned_data["reason"])
        if reason_error:
            form.add_error("reason", reason_error)
    if form.errors.get("reason"):
        # A reason to fix: the page again (nothing changed), with the field
        # marked invalid, its error and help text linked, an error summary
        # that takes focus and "Error:" in the title (WCAG 3.3.1).
        return _queue_page(request, model_admin, form=form, selected=raw_keys)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    keys = [parse_key(raw) for raw in raw_keys]
    if not keys or None in keys:
        messages.error(request, _("Select at least one item. Nothing was changed."))
        return _back(request)
    if len(keys) > MAX_BULK:
        messages.error(
            request,
            _("Select at most %(max)d items at a time. Nothing was changed.") % {"max": MAX_BULK},
        )
        return _back(request)
    targets = _targets(keys)  # type: ignore[arg-type]
    try:
        versions = _versions(request, keys)  # type: ignore[arg-type]
    except InvalidInput as error:
        messages.error(request, error.message)
        return _queue_page(request, model_admin, status=400)
    outcome = apply_moderation(
        request,
        targets,
        action=form.cleaned_data["action"],
        reason=form.cleaned_data["reason"],
        versions=versions,
    )
    if outcome.stale:
        # The queue as it is now, with who changed what: 409, not a redirect
        # that would hide that some rows were refused.
        return _queue_page(request, model_admin, status=409)
    return _back(request)


def moderation_queue_view(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Wrapped by ``admin_site.admin_view`` (staff only, CSRF, no cache);
    moderators and city admins only, like the services it calls."""
    if not rules.can_moderate(request.user):
        raise PermissionDenied
    if request.method == "POST":
        return _handle_post(request, model_admin)
    return _queue_page(request, model_admin)


def _rows(items: list[QueueItem], chosen: set[str]) -> list[SafeString]:
    """The page's rows, each rendered once per content (issue 17): its key
    holds every value the row shows (the item, with its version and report
    reasons, and whether it is ticked), the language (``addressed``) and
    the time zone its dates are shown in. Nothing per person or per request
    is in a row; the form's CSRF token is outside them."""
    zone = timezone.get_current_timezone_name()

    def render(item: QueueItem, checked: bool) -> Callable[[], str]:
        return lambda: render_to_string(
            "admin/ideas/includes/queue_row.html", {"item": item, "checked": checked}
        )

    return fragment_cache.addressed(
        "admin-queue-row",
        [
            ((item, checked, zone), render(item, checked))
            for item in items
            for checked in [item.key in chosen]
        ],
    )


def _queue_page(
    request: HttpRequest,
    model_admin: ModelAdmin,
    *,
    form: QueueActionForm | None = None,
    selected: list[str] | None = None,
    status: int = 200,
) -> TemplateResponse:
    """The queue's page; after a refused post, with that post's form and
    the rows it had selected still ticked (a reason to fix), or the queue as
    it is now (400 out of date, 409 changed by a colleague)."""
    kind = request.GET.get("kind")
    if kind not in KINDS:
        kind = None
    paginator = _QueuePaginator(kind)
    page = paginator.get_page(request.GET.get("page"))
    items = queue_items(list(page.object_list))
    chosen = set(selected or [])
    admin_site = model_admin.admin_site
    context = {
        **admin_site.each_context(request),
        "title": _("Moderation queue"),
        "subtitle": None,
        "opts": model_admin.opts,
        "app_label": model_admin.opts.app_label,
        "items": items,
        "rows": _rows(items, chosen),
        "page_obj": page,
        "paginator": paginator,
        "kind": kind or "",
        "kinds": [
            ("", _("Ideas and comments")),
            (KIND_IDEA, _("Ideas")),
            (KIND_COMMENT, _("Comments")),
        ],
        "form": form or QueueActionForm(),
        "max_bulk": MAX_BULK,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/ideas/moderation_queue.html", context, status=status)
