"""Who may do what in the evaluation.

* evaluators see and score their own assignments; with blind review they see
  colleagues' scores on an idea only once their own scorecard is submitted;
* city admins set everything up, see everything, reopen scorecards and
  decide.

Each object rule that decides a list has a queryset twin in
``evaluation.selectors`` (``can_view_assignment`` ↔ ``assignments_visible_to``,
``can_view_scorecard`` ↔ ``scorecards_visible_to``, ``can_see_colleague_scores``
↔ ``colleague_scorecards``); ``tests/evaluation/test_rules.py`` checks that
they agree for every role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from civicideas.accounts.rules import signed_in
from civicideas.tenancy.permissions import has_role, is_city_admin
from civicideas.tenancy.roles import Role
from evaluation.models import Assignment, Scorecard

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from civicideas.accounts.types import Viewer


def is_evaluator(user: Viewer) -> TypeGuard[User]:
    """Holds the evaluator role in the current city (admins are not
    evaluators unless they also hold the role: they are not auto-assigned).
    An evaluator is a signed-in ``User``, which type checkers learn here."""
    return signed_in(user) and has_role(user, Role.EVALUATOR)


def can_manage_evaluation(user: Viewer) -> bool:
    return signed_in(user) and is_city_admin(user)


def can_use_evaluation(user: Viewer) -> bool:
    """Opens the evaluation pages at all."""
    return is_evaluator(user) or can_manage_evaluation(user)


def can_view_assignment(user: Viewer, assignment: Assignment) -> bool:
    """City admins see every assignment; an evaluator sees their own (even
    one they may not score, such as one on their own idea, so the list can
    show it). Queryset twin: ``selectors.assignments_visible_to``."""
    if can_manage_evaluation(user):
        return True
    return is_evaluator(user) and assignment.evaluator_id == user.pk


def can_score(user: Viewer, assignment: Assignment) -> bool:
    """Only the assigned evaluator, never on their own idea."""
    return (
        signed_in(user)
        and assignment.evaluator_id == user.pk
        and assignment.idea.author_id != user.pk
        and has_role(user, Role.EVALUATOR)
    )


def can_view_scorecard(user: Viewer, scorecard: Scorecard) -> bool:
    """City admins see every scorecard; an evaluator sees their own."""
    if can_manage_evaluation(user):
        return True
    return is_evaluator(user) and scorecard.assignment.evaluator_id == user.pk


def can_see_colleague_scores(user: Viewer, assignment: Assignment, *, blind: bool) -> bool:
    """An evaluator sees colleagues' submitted scores on the same idea when
    blind review is off, or once their own scorecard is submitted."""
    if can_manage_evaluation(user):
        return True
    if assignment.evaluator_id != getattr(user, "pk", None) or not is_evaluator(user):
        return False
    if not blind:
        return True
    scorecard = getattr(assignment, "scorecard", None)
    return scorecard is not None and scorecard.state == Scorecard.State.SUBMITTED


def can_reopen(user: Viewer) -> bool:
    return can_manage_evaluation(user)


def can_decide(user: Viewer) -> bool:
    return can_manage_evaluation(user)
