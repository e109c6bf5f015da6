"""Notifications and digests in the back office: read-only, with their
delivery state and last error; failed ones can be retried (a service call)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy, ngettext

from civicideas.notifications import outbox
from civicideas.notifications.kinds import kind_or_unknown
from civicideas.notifications.models import DigestRun, Notification
from civicideas.tenancy.admin_mixins import CityScopedAdmin, ReadOnlyAdminMixin

#: Most notifications one retry request re-queues.
MAX_RETRY = 10_000


class ReadOnlyAdmin(ReadOnlyAdminMixin, CityScopedAdmin):
    """Notifications and digest runs are written by the outbox and tasks."""


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "recipient",
        "kind_label",
        "state",
        "channel",
        "attempts",
        "sent_at",
        "error_excerpt",
    ]
    list_filter = ["state", "channel", "kind"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False
    fields = [
        "recipient",
        "kind",
        "subject_ref",
        "payload",
        "state",
        "channel",
        "attempts",
        "last_error",
        "created_at",
        "due_at",
        "sent_at",
        "read_at",
        "digest",
    ]
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=gettext_lazy("kind"), ordering="kind")
    def kind_label(self, obj: Notification) -> str:
        return str(kind_or_unknown(obj.kind).label)

    @admin.display(description=gettext_lazy("last error"))
    def error_excerpt(self, obj: Notification) -> str:
        return Truncator(obj.last_error).chars(80)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @admin.action(
        permissions=["retry"],
        description=gettext_lazy("Retry delivery"),
        description_plural=gettext_lazy("Retry delivery of the selected failed notifications"),
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = list(queryset.values_list("pk", flat=True)[:MAX_RETRY])
        count = outbox.notifications_retry(ids=ids)
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification queued again.",
                    "%(count)d notifications queued again.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext_lazy("Only failed notifications can be retried."), messages.WARNING
            )


@admin.register(DigestRun)
class DigestRunAdmin(ReadOnlyAdmin):
    list_display = [
        "period_key",
        "period",
        "user",
        "state",
        "notification_count",
        "attempts",
        "sent_at",
    ]
    list_filter = ["period", "state"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    show_full_result_count = False
    fields = [
        "user",
        "period",
        "period_key",
        "state",
        "notification_count",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
