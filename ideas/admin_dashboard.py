"""What the ideas part of the back office puts on the dashboard
(``civicideas.tenancy.admin_dashboard``): the moderation queue, ideas the
city has not answered yet, and the newest ideas and reports."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from civicideas.tenancy.admin_dashboard import (
    Activity,
    ActivitySource,
    Counter,
    change_url,
    register_activity,
    register_counters,
)
from ideas.models import Idea, Report
from ideas.moderation import moderation_queue
from ideas.status import IdeaStatus

#: Public ideas the city has not decided on: no accepted, rejected or
#: duplicate answer yet.
AWAITING_ANSWER = (IdeaStatus.PUBLISHED, IdeaStatus.UNDER_EVALUATION)


def _awaiting_answer():
    return Idea.objects.filter(status__in=AWAITING_ANSWER)


def _new_ideas(limit: int) -> list[Activity]:
    ideas = Idea.objects.only("id", "title", "created_at").order_by("-created_at", "-id")[:limit]
    return [
        Activity(
            when=idea.created_at,
            kind=gettext("Idea submitted"),
            text=idea.title,
            url=change_url(Idea, idea.pk),
        )
        for idea in ideas
    ]


def _new_reports(limit: int) -> list[Activity]:
    reports = (
        Report.objects.filter(state=Report.State.OPEN)
        .select_related("idea", "comment")
        .only("id", "created_at", "idea__title", "comment__body")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        Activity(
            when=report.created_at,
            kind=gettext("Report"),
            text=report.idea.title if report.idea_id else report.comment.body[:80],
            url=change_url(Report, report.pk),
        )
        for report in reports
    ]


COUNTERS = [
    Counter(
        key="ideas.moderation",
        label=gettext_lazy("In the moderation queue"),
        help_text=gettext_lazy("Ideas awaiting approval, and reported ideas and comments."),
        # Only moderators (who may view reports) see the queue.
        model=Report,
        queryset=lambda: moderation_queue(),
        url_name="admin:ideas_moderation_queue",
        order=10,
    ),
    Counter(
        key="ideas.awaiting_answer",
        label=gettext_lazy("Ideas awaiting an answer"),
        help_text=gettext_lazy("Published or under evaluation: no decision yet."),
        model=Idea,
        queryset=_awaiting_answer,
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
