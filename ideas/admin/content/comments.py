"""Comments in the admin: moderation actions and their history."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.tenancy.admin_row_keys import shown_from
from ideas.admin.base import Action, ModerationActionForm, ReadOnlyAdmin, admin_link, excerpt
from ideas.admin.content.common import (
    CachedChoicesFilter,
    PeopleColumns,
    ReportedFilter,
    moderation_action,
)
from ideas.admin.content.inlines import CommentReportInline, ModerationActionInline
from ideas.models import Comment


@admin.register(Comment)
class CommentAdmin(PeopleColumns, ReadOnlyAdmin):
    action_form = ModerationActionForm
    actions = ["hide_comments", "restore_comments", "dismiss_comment_reports"]
    list_display = ["text", "idea_link", "author_email", "state", "report_count", "created_at"]
    list_filter = ["state", ReportedFilter, ("idea__challenge", CachedChoicesFilter)]
    list_select_related = ["idea", "author"]
    # The idea is shown by its title only (issue 17).
    list_defer = ["idea__body", "idea__search_vector", "idea__hidden_reason"]
    search_fields = ["body"]
    ordering = ["-created_at", "-pk"]
    # Not sortable by idea: ordering the city's 300,000 comments by their
    # idea's title joined and sorted every idea (200-300 ms, issue 17), and
    # no index on the title serves a join's order. Searching an idea's id
    # lists its comments (get_search_results).
    sortable_by = ["state", "report_count", "created_at"]
    fields = [
        "body",
        "idea_link",
        "parent",
        "author_email",
        "state",
        "hidden_reason",
        "report_count",
        "created_at",
        "edited_at",
    ]
    readonly_fields = fields
    inlines = [ModerationActionInline, CommentReportInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if (number := inputs.parse_id(term)) is not None:
            # A number is a comment's or an idea's id (the moderator copies
            # it from a report); text search scans the city's comments.
            return queryset.filter(pk=number) | queryset.filter(idea_id=number), False
        return super().get_search_results(request, queryset, term)

    @shown_from("body")
    @admin.display(description=gettext_lazy("comment"))
    def text(self, obj: Comment) -> str:
        return excerpt(obj.body, 80)

    @shown_from("idea_id", "idea.title")
    @admin.display(description=gettext_lazy("idea"))
    def idea_link(self, obj: Comment) -> str:
        return admin_link(obj.idea)

    hide_comments = moderation_action(
        Action.HIDE,
        gettext_lazy("Hide (give the reason)"),
        gettext_lazy("Hide selected comments (give the reason)"),
    )
    restore_comments = moderation_action(
        Action.RESTORE, gettext_lazy("Restore"), gettext_lazy("Restore selected hidden comments")
    )
    dismiss_comment_reports = moderation_action(
        Action.DISMISS,
        gettext_lazy("Dismiss the reports"),
        gettext_lazy("Dismiss the reports of selected comments"),
    )
