"""What evaluation puts on the back office's dashboard: assignments not
evaluated yet (an evaluator's own, or the city's for its admins), and the
newest submitted scorecards."""

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
from evaluation import selectors
from evaluation.models import Assignment, Scorecard


def _submitted(base: QuerySet, limit: int) -> list[Activity]:
    return newest(
        base.filter(state=Scorecard.State.SUBMITTED, submitted_at__isnull=False),
        model=Scorecard,
        kind=gettext("Evaluation submitted"),
        when="submitted_at",
        fields=("assignment__idea__title",),
        text=lambda row: row["assignment__idea__title"],
        limit=limit,
    )


def register() -> None:
    register_counters(
        Counter(
            key="evaluation.pending",
            label=gettext_lazy("Evaluations pending"),
            help_text=gettext_lazy("Assignments whose scorecard is not submitted yet."),
            model=Assignment,
            # The twin of the assignments list's "Not evaluated yet" filter
            # (the admin's queryset carries the ``progress`` annotation).
            queryset=lambda base: base.exclude(progress=selectors.SUBMITTED),
            filters={"progress": "open"},
            order=30,
        )
    )
    register_activity(
        ActivitySource(key="evaluation.submitted", model=Scorecard, events=_submitted)
    )
