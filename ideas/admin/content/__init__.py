"""Ideas, comments, reports and their history in the admin.

Nothing here is edited through a model form: citizens write ideas and
comments, the services write statuses, counters, reports and the logs.
Moderators act through admin actions (change list and change form), the
moderation queue and the official answer form, all of which call
``ideas.services``.

One module per page family; importing this package registers them all:
``ideas`` and ``comments`` (with their actions), ``logs`` (reports, the
moderation log, status changes), ``inlines`` (one item's history) and
``common`` (what they share).
"""

from __future__ import annotations

from ideas.admin.content.comments import CommentAdmin
from ideas.admin.content.common import BOTH, PeopleColumns, ReportedFilter, moderation_action
from ideas.admin.content.ideas import IdeaAdmin
from ideas.admin.content.inlines import (
    CommentReportInline,
    IdeaImageInline,
    IdeaReportInline,
    ModerationActionInline,
    ReportInline,
    StatusChangeInline,
)
from ideas.admin.content.logs import ModerationActionAdmin, ReportAdmin, StatusChangeAdmin

__all__ = [
    "BOTH",
    "CommentAdmin",
    "CommentReportInline",
    "IdeaAdmin",
    "IdeaImageInline",
    "IdeaReportInline",
    "ModerationActionAdmin",
    "ModerationActionInline",
    "PeopleColumns",
    "ReportAdmin",
    "ReportInline",
    "ReportedFilter",
    "StatusChangeAdmin",
    "StatusChangeInline",
    "moderation_action",
]
