"""Reports, the moderation log and the status changes: read-only lists."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from ideas import rules
from ideas.admin.base import ReadOnlyAdmin, admin_link, excerpt
from ideas.admin.content.common import PeopleColumns
from ideas.models import ModerationAction, Report, StatusChange
from ideas.status import PUBLIC_STATUSES


def _target_link(obj: Report | ModerationAction) -> str:
    if obj.comment_id is not None:
        return admin_link(obj.comment, excerpt(obj.comment.body, 60))
    if obj.idea_id is not None:
        return admin_link(obj.idea)
    return "-"


@admin.register(Report)
class ReportAdmin(PeopleColumns, ReadOnlyAdmin):
    list_display = ["created_at", "target", "short_reason", "reporter_email", "state"]
    list_filter = ["state"]
    list_select_related = ["idea", "comment", "reporter"]
    ordering = ["-created_at", "-pk"]
    fields = ["created_at", "target", "reason", "reporter_email", "state"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("reported content"))
    def target(self, obj: Report) -> str:
        return _target_link(obj)

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj: Report) -> str:
        return excerpt(obj.reason, 100)


@admin.register(ModerationAction)
class ModerationActionAdmin(PeopleColumns, ReadOnlyAdmin):
    """The audit log of moderation (no filter by moderator: that filter would
    list every account of the platform)."""

    list_display = ["created_at", "action", "target", "moderator_or_auto", "short_reason"]
    list_filter = ["action"]
    list_select_related = ["idea", "comment", "moderator"]
    ordering = ["-created_at", "-pk"]
    fields = ["created_at", "action", "target", "moderator_or_auto", "reason"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("content"))
    def target(self, obj: ModerationAction) -> str:
        return _target_link(obj)

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj: ModerationAction) -> str:
        return excerpt(obj.reason, 100)


@admin.register(StatusChange)
class StatusChangeAdmin(PeopleColumns, ReadOnlyAdmin):
    """Every idea's public timeline; official answers are flagged."""

    list_display = [
        "created_at",
        "idea_link",
        "from_status",
        "to_status",
        "is_official",
        "changed_by_email",
        "short_message",
    ]
    list_filter = ["is_official", "to_status"]
    list_select_related = ["idea", "changed_by"]
    ordering = ["-created_at", "-pk"]
    fields = [
        "created_at",
        "idea_link",
        "from_status",
        "to_status",
        "is_official",
        "is_public",
        "changed_by_email",
        "message",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        # Evaluators see the public timeline, not why something was hidden.
        if not rules.can_moderate(request.user):
            queryset = queryset.filter(is_public=True, idea__status__in=PUBLIC_STATUSES)
        return queryset

    @admin.display(description=gettext_lazy("idea"))
    def idea_link(self, obj: StatusChange) -> str:
        return admin_link(obj.idea)

    @admin.display(description=gettext_lazy("public message"))
    def short_message(self, obj: StatusChange) -> str:
        return excerpt(obj.message, 100)
