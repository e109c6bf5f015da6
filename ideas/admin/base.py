"""Building blocks of the ideas admin: the same 404 for "missing" and "not
this city's", read-only lists, and moderation that always goes through the
services."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civicideas.concurrency import StaleEdit
from civicideas.errors import ServiceError
from civicideas.tenancy.admin_mixins import MAX_BULK, CityObjectAdmin, ReadOnlyAdminMixin
from civicideas.tenancy.context import city_context, current_city_or_none
from civicideas.tenancy.reversal import reverse_pk
from civicideas.text import VisibleCharField, clean_text
from ideas import rules, services
from ideas.models import Comment, Idea, ModerationAction

if TYPE_CHECKING:
    from civicideas.accounts.models import User

Action = ModerationAction.Action


class IdeasAdmin(CityObjectAdmin):
    """Base of every ideas admin (404 for missing and other cities' objects
    alike, ``CityObjectAdmin``); moderation is offered to moderators."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra = {"can_moderate": rules.can_moderate(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ):
        extra = {"can_moderate": rules.can_moderate(request.user), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        """Moderation is a rule, not a model permission (see ideas.apps)."""
        return rules.can_moderate(request.user)


class ReadOnlyAdmin(ReadOnlyAdminMixin, IdeasAdmin):
    """Records written only by the services: the admin shows them."""


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


class ModerationActionForm(ActionForm):
    """The admin's action bar with one reason for the whole selection."""

    reason = VisibleCharField(
        label=gettext_lazy("Reason (required to hide; shown to the author):"),
        required=False,
        max_length=services.REASON_MAX,
        widget=forms.TextInput(attrs={"size": 40}),
    )


def action_reason(request: HttpRequest) -> str:
    """The reason typed in the action bar of a change list or a change form
    (whose action form fields carry the ``CHANGE_FORM-`` prefix)."""
    return request.POST.get("reason") or request.POST.get("CHANGE_FORM-reason") or ""


def admin_link(obj: Model, text: str | None = None) -> str:
    """An escaped link to the object's admin page."""
    return format_html(
        '<a href="{}">{}</a>', change_url(obj), text if text is not None else str(obj)
    )


def change_url(obj: Model) -> str:
    """The object's admin change page (``reverse_pk``: a change list links
    every row)."""
    opts = obj._meta
    return reverse_pk(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)


def excerpt(text: str, length: int = 80) -> str:
    return Truncator(text).chars(length)


@contextmanager
def city_of(obj: Model) -> Iterator[None]:
    """Run a service in the object's city. On a city's host that is the
    current city already; on the platform host (all cities) the services
    still need one city, for the outbox and new rows."""
    if current_city_or_none() is not None:
        yield
    else:
        with city_context(obj.city):
            yield


def moderate(
    *,
    target: Idea | Comment,
    moderator: User,
    action: str,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """One moderation action on an idea or a comment, through its service."""
    with city_of(target):
        if isinstance(target, Idea):
            services.idea_moderate(
                idea=target,
                moderator=moderator,
                action=action,
                reason=reason,
                expected_version=expected_version,
            )
        else:
            services.comment_moderate(
                comment=target,
                moderator=moderator,
                action=action,
                reason=reason,
                expected_version=expected_version,
            )


def target_key(target: Idea | Comment) -> tuple[str, int]:
    """``("idea", 12)``: how the moderation queue names a target."""
    return ("idea" if isinstance(target, Idea) else "comment", target.pk)


@dataclass(frozen=True)
class ModerationOutcome:
    done: int
    #: Items a colleague changed since the page was read (``StaleEdit``).
    stale: int = 0


DONE_MESSAGES = {
    Action.APPROVE: gettext_lazy("Approved"),
    Action.HIDE: gettext_lazy("Hidden"),
    Action.RESTORE: gettext_lazy("Restored"),
    Action.DISMISS: gettext_lazy("Reports dismissed"),
}


def check_reason(action: str, reason: str) -> str | None:
    """The error to show before anything changes, or None."""
    try:
        cleaned = clean_text(
            reason, field=_("Reason"), max_length=services.REASON_MAX, required=False
        )
    except ServiceError as error:
        return error.message
    if action == Action.HIDE and not cleaned:
        return _("Give the reason for hiding; the author will see it. Nothing was changed.")
    return None


def apply_moderation(
    request: HttpRequest,
    targets: Iterable[Idea | Comment],
    *,
    action: str,
    reason: str,
    versions: Mapping[tuple[str, int], int] | None = None,
) -> ModerationOutcome:
    """Moderate each target through the services and tell the moderator what
    happened. Each item is its own transaction (the service's): one that
    fails (already handled by a colleague, wrong state) does not undo the
    others. ``versions`` (``target_key`` → ``lock_version`` the moderator
    saw; the queue sends them) makes an item a colleague changed meanwhile
    fail as stale instead of being acted on blindly."""
    if action not in DONE_MESSAGES:
        messages.error(request, _("Unknown moderation action."))
        return ModerationOutcome(0)
    error = check_reason(action, reason)
    if error:
        messages.error(request, error)
        return ModerationOutcome(0)
    targets = list(targets)
    if len(targets) > MAX_BULK:
        messages.error(
            request,
            _("Select at most %(max)d items at a time. Nothing was changed.") % {"max": MAX_BULK},
        )
        return ModerationOutcome(0)
    done, stale, failures = 0, 0, []
    for target in targets:
        try:
            moderate(
                target=target,
                moderator=request.user,
                action=action,
                reason=reason,
                expected_version=(versions or {}).get(target_key(target)),
            )
        except ServiceError as failure:
            stale += isinstance(failure, StaleEdit)
            failures.append(f"«{excerpt(str(target), 60)}»: {failure.message}")
            continue
        done += 1
        label = DONE_MESSAGES[action]
        message = f"{label}: {reason}" if reason else str(label)
        admin.site.get_model_admin(type(target)).log_change(request, target, message)
    if done:
        messages.success(
            request,
            ngettext(
                "%(action)s: %(count)d item.",
                "%(action)s: %(count)d items.",
                done,
            )
            % {"action": DONE_MESSAGES[action], "count": done},
        )
    for failure in failures[:10]:
        messages.error(request, failure)
    if len(failures) > 10:
        messages.error(
            request, _("… and %(count)d more not changed.") % {"count": len(failures) - 10}
        )
    return ModerationOutcome(done, stale)
