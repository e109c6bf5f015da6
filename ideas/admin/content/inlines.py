"""The history of one idea or comment, read-only: images, status changes,
moderation actions and reports."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from ideas import rules
from ideas.admin.base import ReadOnlyInline
from ideas.admin.content.common import PeopleColumns
from ideas.models import IdeaImage, ModerationAction, Report, StatusChange


class IdeaImageInline(ReadOnlyInline):
    model = IdeaImage
    fields = ["preview", "alt_text", "width", "height"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("image"))
    def preview(self, obj: IdeaImage) -> str:
        if not obj.image:
            return "-"
        return format_html('<img src="{}" alt="{}" height="120">', obj.image.url, obj.alt_text)


class StatusChangeInline(PeopleColumns, ReadOnlyInline):
    model = StatusChange
    verbose_name_plural = gettext_lazy("status timeline")
    fields = [
        "created_at",
        "from_status",
        "to_status",
        "changed_by_email",
        "is_official",
        "message",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).select_related("changed_by")
        if not rules.can_moderate(request.user):
            queryset = queryset.filter(is_public=True)
        return queryset


class ModerationActionInline(PeopleColumns, ReadOnlyInline):
    model = ModerationAction
    verbose_name_plural = gettext_lazy("moderation log")
    fields = ["created_at", "action", "moderator_or_auto", "reason"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("moderator")


class ReportInline(PeopleColumns, ReadOnlyInline):
    model = Report
    fields = ["created_at", "state", "reporter_email", "reason"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("reporter")


class CommentReportInline(ReportInline):
    fk_name = "comment"


class IdeaReportInline(ReportInline):
    fk_name = "idea"
