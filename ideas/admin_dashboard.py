"""What the ideas part of the back office puts on the dashboard
(``civicideas.tenancy.admin_dashboard``): the moderation queue, ideas the
city has not answered yet, and the newest ideas and reports."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from civicideas.tenancy.admin_dashboard import (
    Activity,
    ActivitySource,
    Counter,
    newest,
    register_activity,
    register_counters,
)
from ideas.models import Idea, Report
from ideas.moderation import moderation_queue
from ideas.status import IdeaStatus

#: Public ideas the city has not decided on: no accepted, rejected or
#: duplicate answer yet.
AWAITING_ANSWER = (IdeaStatus.PUBLISHED, IdeaStatus.UNDER_EVALUATION)


def _new_ideas(base: QuerySet, limit: int) -> list[Activity]:
    return newest(
        base,
        model=Idea,
        kind=gettext("Idea submitted"),
        when="created_at",
        fields=("title",),
        text=lambda row: row["title"],
        limit=limit,
    )


def _new_reports(base: QuerySet, limit: int) -> list[Activity]:
    return newest(
        base.filter(state=Report.State.OPEN),
        model=Report,
        kind=gettext("Report"),
        when="created_at",
        fields=("idea__title", "comment__body"),
        text=lambda row: row["idea__title"] or (row["comment__body"] or "")[:80],
        limit=limit,
    )


COUNTERS = [
    Counter(
        key="ideas.moderation",
        label=gettext_lazy("In the moderation queue"),
        help_text=gettext_lazy("Ideas awaiting approval, and reported ideas and comments."),
        # Only moderators (who may view reports) see the queue, and all of it.
        model=Report,
        queryset=lambda base: moderation_queue(),
        url_name="admin:ideas_moderation_queue",
        order=10,
    ),
    Counter(
        key="ideas.awaiting_answer",
        label=gettext_lazy("Ideas awaiting an answer"),
        help_text=gettext_lazy("Published or under evaluation: no decision yet."),
        model=Idea,
        queryset=lambda base: base.filter(status__in=AWAITING_ANSWER),
        filters={"status__in": ",".join(AWAITING_ANSWER)},
        order=20,
    ),
]

SOURCES = [
    ActivitySource(key="ideas.new", model=Idea, events=_new_ideas),
    ActivitySource(key="ideas.reports", model=Report, events=_new_reports),
]


def register() -> None:
    register_counters(*COUNTERS)
    register_activity(*SOURCES)
