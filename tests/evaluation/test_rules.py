"""The evaluation's rules and their queryset twins agree, for every role:

* ``can_view_assignment`` ⇔ ``selectors.assignments_visible_to``;
* ``can_view_scorecard`` ⇔ ``selectors.scorecards_visible_to``;
* ``can_see_colleague_scores`` ⇔ ``selectors.colleague_scorecards`` (blind
  review on and off);
* ``can_score`` implies seeing the assignment, never the reverse for admins
  or for an evaluator's own idea.

Lakeside's evaluator and scorecard (``conftest.World``) are in no list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from evaluation import rules, selectors
from evaluation.models import Assignment, Scorecard
from tests.conftest import make_member
from tests.evaluation.factories import AssignmentFactory
from tests.factories import UserFactory
from tests.twins import disagreements, fresh, leaks

pytestmark = pytest.mark.django_db

SUBMITTED, DRAFT = Scorecard.State.SUBMITTED, Scorecard.State.DRAFT


@pytest.fixture
def matrix(world):
    """Assignments and scorecards in every state around ``world``'s ideas:

    idea 0: e0 submitted, e1 submitted, e2 draft, the deactivated evaluator
    submitted; idea 1: e0 draft, e1 submitted; idea 2: e3 without a
    scorecard, the admin-who-evaluates submitted; e0's own idea: assigned
    (never scorable)."""
    w = world
    e0, e1, e2, e3 = w.evaluators
    people = {
        "anonymous": AnonymousUser(),
        "citizen": w.citizen,
        "idea author": None,
        "moderator": w.moderator,
        "evaluator 0": e0,
        "evaluator 1": e1,
        "evaluator 2": e2,
        "evaluator 3": e3,
        "city admin": w.admin,
        "admin who evaluates": make_member(w.riverton, Role.CITY_ADMIN, Role.EVALUATOR),
        "superuser": UserFactory(is_superuser=True),
        "lakeside evaluator": w.lakeside_evaluator,
        "lakeside admin": make_member(w.lakeside, Role.CITY_ADMIN),
        "deactivated evaluator": make_member(w.riverton, Role.EVALUATOR, is_active=False),
    }
    ideas = w.ideas
    people["idea author"] = ideas[0].author
    plan = [
        ("e0 on idea 0", ideas[0], e0, SUBMITTED),
        ("e1 on idea 0", ideas[0], e1, SUBMITTED),
        ("e2 on idea 0", ideas[0], e2, DRAFT),
        ("deactivated on idea 0", ideas[0], people["deactivated evaluator"], SUBMITTED),
        ("e0 on idea 1", ideas[1], e0, DRAFT),
        ("e1 on idea 1", ideas[1], e1, SUBMITTED),
        ("e3 on idea 2", ideas[2], e3, None),
        ("admin on idea 2", ideas[2], people["admin who evaluates"], SUBMITTED),
        ("e0 on own idea", w.own_idea, e0, None),
    ]
    assignments, scorecards = {}, {}
    with city_context(w.riverton):
        for label, idea, evaluator, state in plan:
            assignment = AssignmentFactory(idea=idea, evaluator=evaluator)
            assignments[label] = assignment
            if state is not None:
                scorecards[label] = Scorecard.objects.create(
                    city=w.riverton, assignment=assignment, state=state
                )
    w.people, w.assignments, w.scorecards = people, assignments, scorecards
    with city_context(w.riverton):
        yield w


TWINS = {
    "assignments": (rules.can_view_assignment, selectors.assignments_visible_to),
    "scorecards": (rules.can_view_scorecard, selectors.scorecards_visible_to),
}


@pytest.mark.parametrize("objects", sorted(TWINS))
def test_the_view_rule_agrees_with_its_queryset(matrix, objects):
    rule, twin = TWINS[objects]
    assert disagreements(matrix.people, getattr(matrix, objects), rule, twin) == []


def test_scoring_needs_seeing_and_stays_narrower(matrix):
    scorers = set()
    for role, person in matrix.people.items():
        user = fresh(person)
        listed = set(selectors.assignments_visible_to(user))
        for label, assignment in matrix.assignments.items():
            if rules.can_score(user, assignment):
                assert assignment in listed, (role, label)
                scorers.add((role, label))
    # Only an assigned, active evaluator, never on their own idea; admins
    # see every assignment but score only their own.
    assert scorers == {
        ("evaluator 0", "e0 on idea 0"),
        ("evaluator 0", "e0 on idea 1"),
        ("evaluator 1", "e1 on idea 0"),
        ("evaluator 1", "e1 on idea 1"),
        ("evaluator 2", "e2 on idea 0"),
        ("evaluator 3", "e3 on idea 2"),
        ("admin who evaluates", "admin on idea 2"),
    }


def _colleagues_by_rule(user, assignment, *, blind, scorecards):
    """What the rule lets ``user`` see beside ``assignment``: every other
    evaluator's submitted scorecard on the same idea, or nothing."""
    if not rules.can_see_colleague_scores(user, assignment, blind=blind):
        return set()
    return {
        sc.pk
        for sc in scorecards
        if sc.assignment.idea_id == assignment.idea_id
        and sc.state == SUBMITTED
        and sc.assignment_id != assignment.pk
    }


@pytest.mark.parametrize("blind", [True, False], ids=["blind", "open"])
def test_can_see_colleague_scores_agrees_with_colleague_scorecards(matrix, blind):
    scorecards = list(matrix.scorecards.values())
    found = []
    for role, person in matrix.people.items():
        user = fresh(person)
        for label, assignment in matrix.assignments.items():
            listed = {sc.pk for sc in selectors.colleague_scorecards(user, assignment, blind=blind)}
            expected = _colleagues_by_rule(user, assignment, blind=blind, scorecards=scorecards)
            if listed != expected:
                found.append((role, label, sorted(expected), sorted(listed)))
    assert found == []


def test_blind_review_shows_colleagues_only_after_submitting(matrix):
    m = matrix
    e0, e2 = fresh(m.evaluators[0]), fresh(m.evaluators[2])
    on_idea_0 = m.assignments

    def shown(user, label, blind):
        return {
            sc.assignment_id
            for sc in selectors.colleague_scorecards(user, on_idea_0[label], blind=blind)
        }

    others_submitted = {
        on_idea_0["e1 on idea 0"].pk,
        on_idea_0["deactivated on idea 0"].pk,
    }
    # e0 submitted: colleagues' submitted scorecards, never a draft or their own.
    assert shown(e0, "e0 on idea 0", blind=True) == others_submitted
    # e2 holds a draft: nothing while blind, the submitted ones when open.
    assert shown(e2, "e2 on idea 0", blind=True) == set()
    assert shown(e2, "e2 on idea 0", blind=False) == others_submitted | {
        on_idea_0["e0 on idea 0"].pk
    }
    # Another evaluator's assignment shows nothing, blind or not.
    assert shown(e2, "e0 on idea 0", blind=False) == set()


def test_another_citys_evaluation_is_in_no_list(matrix):
    m = matrix
    people = m.people
    assert leaks(people, [m.lakeside_assignment], selectors.assignments_visible_to) == []
    assert leaks(people, [m.lakeside_scorecard], selectors.scorecards_visible_to) == []
    # Lakeside's evaluator has no role here: not even their own Lakeside rows.
    stranger = fresh(m.lakeside_evaluator)
    assert not selectors.assignments_visible_to(stranger).exists()
    assert not Assignment.objects.filter(pk=m.lakeside_assignment.pk).exists()
