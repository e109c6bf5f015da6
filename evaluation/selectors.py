"""Reads of the evaluation: the queryset twins of ``evaluation.rules``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, CharField, QuerySet, Value, When

from evaluation import rules
from evaluation.models import Assignment, ConflictOfInterest, Scorecard

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

NOT_STARTED = "not_started"
DRAFT = Scorecard.State.DRAFT.value
SUBMITTED = Scorecard.State.SUBMITTED.value


def assignments_visible_to(user: Viewer) -> QuerySet[Assignment]:
    """Twin of ``rules.can_view_assignment``: admins see every assignment,
    an evaluator their own, anybody else none. Scoring one is the stricter
    ``rules.can_score``."""
    queryset = Assignment.objects.all()
    if rules.can_manage_evaluation(user):
        return queryset
    if rules.is_evaluator(user):
        return queryset.filter(evaluator=user)
    return queryset.none()


def with_progress(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Annotate ``progress``: not started, draft or submitted."""
    return queryset.annotate(
        progress=Case(
            When(scorecard__state=SUBMITTED, then=Value(SUBMITTED)),
            When(scorecard__state=DRAFT, then=Value(DRAFT)),
            default=Value(NOT_STARTED),
            output_field=CharField(),
        )
    )


def scorecards_visible_to(user: Viewer) -> QuerySet[Scorecard]:
    """Twin of ``rules.can_view_scorecard``."""
    queryset = Scorecard.objects.all()
    if rules.can_manage_evaluation(user):
        return queryset
    if rules.is_evaluator(user):
        return queryset.filter(assignment__evaluator=user)
    return queryset.none()


def conflicts_visible_to(user: Viewer) -> QuerySet[ConflictOfInterest]:
    queryset = ConflictOfInterest.objects.all()
    if rules.can_manage_evaluation(user):
        return queryset
    if rules.is_evaluator(user):
        return queryset.filter(evaluator=user)
    return queryset.none()


def colleague_scorecards(
    user: Viewer, assignment: Assignment, *, blind: bool
) -> QuerySet[Scorecard]:
    """Colleagues' submitted scorecards on the same idea, or none while
    blind review hides them (twin of ``rules.can_see_colleague_scores``)."""
    if not rules.can_see_colleague_scores(user, assignment, blind=blind):
        return Scorecard.objects.none()
    return (
        Scorecard.objects.filter(
            assignment__idea_id=assignment.idea_id, state=Scorecard.State.SUBMITTED
        )
        .exclude(assignment_id=assignment.pk)
        .select_related("assignment__evaluator")
        .prefetch_related("scores")
    )
