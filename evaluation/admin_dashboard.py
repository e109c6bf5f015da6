"""What evaluation puts on the back office's dashboard: assignments not
evaluated yet, and the newest submitted scorecards."""

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
from evaluation.models import Assignment, Scorecard


def _pending():
    # The twin of the assignments list's "Not evaluated yet" filter.
    return Assignment.objects.exclude(scorecard__state=Scorecard.State.SUBMITTED)


def _submitted(limit: int) -> list[Activity]:
    scorecards = (
        Scorecard.objects.filter(state=Scorecard.State.SUBMITTED, submitted_at__isnull=False)
        .select_related("assignment__idea")
        .only("id", "submitted_at", "assignment__idea__title")
        .order_by("-submitted_at", "-id")[:limit]
    )
    return [
        Activity(
            when=card.submitted_at,
            kind=gettext("Evaluation submitted"),
            text=card.assignment.idea.title,
            url=change_url(Scorecard, card.pk),
        )
        for card in scorecards
    ]


def register() -> None:
    register_counters(
        Counter(
            key="evaluation.pending",
            label=gettext_lazy("Evaluations pending"),
            help_text=gettext_lazy("Assignments whose scorecard is not submitted yet."),
            model=Assignment,
            queryset=_pending,
            filters={"progress": "open"},
            order=30,
        )
    )
    register_activity(
        ActivitySource(key="evaluation.submitted", model=Scorecard, events=_submitted)
    )
