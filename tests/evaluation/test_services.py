"""Evaluation services: rubrics, settings, assignments, conflicts,
scorecards, decisions; each hostile input changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from evaluation import presets, services
from evaluation.models import (
    Assignment,
    ConflictOfInterest,
    Criterion,
    CriterionScore,
    EvaluationAuditLog,
    Rubric,
    Scorecard,
)
from ideas.models import Challenge, Idea, StatusChange
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.evaluation.factories import CriterionFactory, RubricFactory
from tests.ideas.factories import IdeaFactory, SupportFactory

pytestmark = pytest.mark.django_db
A = EvaluationAuditLog.Action


# --- rubrics -------------------------------------------------------------------


def _crit(**kw):
    return {"name": "Impact", "weight": Decimal(1), "scale_min": 0, "scale_max": 5, **kw}


def test_rubric_create_with_criteria_and_audit(in_riverton):
    w = in_riverton
    rubric = services.rubric_create(
        by=w.admin, name="Mine", criteria=[_crit(), _crit(name="Cost", weight=Decimal(3))]
    )
    assert [c.name for c in rubric.criteria.all()] == ["Impact", "Cost"]
    assert EvaluationAuditLog.objects.filter(action=A.RUBRIC_CREATED, actor=w.admin).exists()


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([_crit(weight=Decimal(0))], "greater than zero"),
        ([_crit(weight=Decimal(0)), _crit(weight=Decimal(0))], "add up to more than zero"),
        ([_crit(scale_min=5, scale_max=5)], "above the lowest"),
        ([_crit(scale_min=4, scale_max=1)], "above the lowest"),
        ([_crit(level_labels=["a", "b"])], "one label per level"),
        ([], "at least one criterion"),
    ],
)
def test_invalid_rubrics_refused_and_nothing_written(in_riverton, criteria, message):
    before = Rubric.objects.count()
    with pytest.raises(InvalidInput, match=message):
        services.rubric_create(by=in_riverton.admin, name="Bad", criteria=criteria)
    assert Rubric.objects.count() == before


def test_rubric_scale_min_must_be_below_max(in_riverton):
    with pytest.raises(InvalidInput):
        services.rubric_create(
            by=in_riverton.admin, name="Bad", scale_min=3, scale_max=3, criteria=[_crit()]
        )


def test_database_refuses_zero_weight_and_inverted_scale(in_riverton):
    rubric = RubricFactory()
    for bad in ({"weight": Decimal(0)}, {"scale_min": 5, "scale_max": 2}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CriterionFactory(rubric=rubric, **bad)


def test_only_city_admin_creates_rubrics(in_riverton):
    for user in (in_riverton.evaluator, in_riverton.moderator, in_riverton.citizen):
        with pytest.raises(NotAllowed):
            services.rubric_create(by=user, name="X", criteria=[_crit()])


def _submit(w, idea, evaluator, values=(4, 3, 2), **kw):
    assignment = Assignment.objects.filter(idea=idea, evaluator=evaluator).first() or w.assign(
        idea, evaluator
    )
    return services.scorecard_submit(
        assignment=assignment,
        by=evaluator,
        scores=w.full_scores(*values),
        recommendation=kw.get("recommendation", "accept"),
    )


def test_rubric_in_use_is_refused_and_new_version_offered(in_riverton):
    w = in_riverton
    services.rubric_check_editable(w.rubric)  # drafts only: still editable
    _submit(w, w.ideas[0], w.evaluators[1])
    with pytest.raises(Conflict, match="new version"):
        services.rubric_check_editable(w.rubric)
    copy = services.rubric_new_version(rubric=w.rubric, by=w.admin)
    assert copy.version == 2 and copy.parent == w.rubric
    assert [c.name for c in copy.criteria.all()] == ["Impact", "Novelty", "Feasibility"]
    services.rubric_check_editable(copy)
    assert EvaluationAuditLog.objects.filter(action=A.RUBRIC_VERSIONED).exists()


def test_preset_urban_innovation_installs_seven_criteria(in_riverton):
    rubric = presets.preset_install(key=presets.URBAN_INNOVATION, by=in_riverton.admin)
    criteria = list(rubric.criteria.all())
    assert len(criteria) == 7
    assert criteria[0].name == "Impact on everyday life"
    assert all(len(c.level_labels) == 6 for c in criteria)
    again = presets.preset_install(key=presets.URBAN_INNOVATION, by=in_riverton.admin)
    assert again.pk != rubric.pk  # a copy the city can edit
    with pytest.raises(InvalidInput):
        presets.preset_install(key="nope", by=in_riverton.admin)


def test_challenge_rubric_cannot_change_once_scores_exist(in_riverton):
    w = in_riverton
    other = RubricFactory()
    w.settings.rubric = other
    services.challenge_evaluation_save(settings=w.settings, by=w.admin, changed=["rubric"])
    w.settings.rubric = w.rubric
    services.challenge_evaluation_save(settings=w.settings, by=w.admin, changed=["rubric"])
    _submit(w, w.ideas[0], w.evaluators[1])
    w.settings.rubric = other
    with pytest.raises(Conflict):
        services.challenge_evaluation_save(settings=w.settings, by=w.admin, changed=["rubric"])


# --- auto-assign ---------------------------------------------------------------------


def test_auto_assign_gives_k_balanced_never_author_or_conflict(in_riverton):
    w = in_riverton
    services.conflict_declare(
        idea=w.ideas[0], evaluator=w.evaluators[1], reason="My neighbour's idea", by=w.evaluators[1]
    )
    result = services.assignments_auto_assign(challenge=w.challenge, by=w.admin, seed=1)
    assert result.created == 6 * 3 and not result.warnings
    pairs = set(Assignment.objects.values_list("idea_id", "evaluator_id"))
    assert (w.own_idea.pk, w.evaluator.pk) not in pairs
    assert (w.ideas[0].pk, w.evaluators[1].pk) not in pairs
    per_idea = {i.pk: 0 for i in w.ideas}
    load = {e.pk: 0 for e in w.evaluators}
    for idea_id, evaluator_id in pairs:
        per_idea[idea_id] += 1
        load[evaluator_id] += 1
    assert set(per_idea.values()) == {3}
    assert max(load.values()) - min(load.values()) <= 1
    # Everyone assigned gets one notification for the run.
    assert Notification.objects.filter(kind="evaluator_assigned").count() == 4
    assert EvaluationAuditLog.objects.filter(action=A.AUTO_ASSIGNED).exists()


def test_auto_assign_is_idempotent_and_fills_only_gaps(in_riverton):
    w = in_riverton
    services.assignments_auto_assign(challenge=w.challenge, by=w.admin)
    before = set(Assignment.objects.values_list("pk", "idea_id", "evaluator_id"))
    again = services.assignments_auto_assign(challenge=w.challenge, by=w.admin)
    assert again.created == 0
    assert set(Assignment.objects.values_list("pk", "idea_id", "evaluator_id")) == before
    # A new idea and a removed assignment: only those gaps are filled.
    new = IdeaFactory(challenge=w.challenge)
    Assignment.objects.filter(idea=w.ideas[2]).first().delete()
    third = services.assignments_auto_assign(challenge=w.challenge, by=w.admin)
    assert third.created == 4
    assert Assignment.objects.filter(idea=new).count() == 3
    assert Assignment.objects.filter(idea=w.ideas[2]).count() == 3


def test_auto_assign_with_too_few_evaluators_warns_and_does_its_best(in_riverton):
    w = in_riverton
    w.settings.evaluators_per_idea = 5
    w.settings.save()
    result = services.assignments_auto_assign(challenge=w.challenge, by=w.admin)
    assert result.warnings
    assert "only 4 evaluators" in result.warnings[0]
    assert "fewer than 5 evaluators" in result.warnings[1]
    counts = {i.pk: Assignment.objects.filter(idea=i).count() for i in w.ideas}
    assert counts[w.own_idea.pk] == 3  # everyone except its author
    assert all(counts[i.pk] == 4 for i in w.ideas if i != w.own_idea)


def test_auto_assign_skips_non_public_and_decided_ideas(in_riverton):
    w = in_riverton
    hidden = IdeaFactory(challenge=w.challenge, status=IdeaStatus.HIDDEN)
    accepted = IdeaFactory(challenge=w.challenge, status=IdeaStatus.ACCEPTED)
    services.assignments_auto_assign(challenge=w.challenge, by=w.admin)
    assert not Assignment.objects.filter(idea__in=[hidden, accepted]).exists()


def test_auto_assign_refused_outside_evaluation_phase_and_for_non_admins(in_riverton):
    w = in_riverton
    with pytest.raises(NotAllowed):
        services.assignments_auto_assign(challenge=w.challenge, by=w.evaluator)
    Challenge.objects.filter(pk=w.challenge.pk).update(phase=Challenge.Phase.SUPPORTS)
    w.challenge.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.assignments_auto_assign(challenge=w.challenge, by=w.admin)
    assert not Assignment.objects.exists()


def test_auto_assign_query_count_does_not_grow_with_ideas(
    in_riverton, django_assert_max_num_queries
):
    w = in_riverton
    for _ in range(40):
        IdeaFactory(challenge=w.challenge)
    with django_assert_max_num_queries(14):
        result = services.assignments_auto_assign(challenge=w.challenge, by=w.admin)
    assert result.created == 46 * 3


# --- manual assignment, reassign, conflicts ---------------------------------------------


def test_assignment_create_refuses_author_conflict_and_non_evaluator(in_riverton):
    w = in_riverton
    with pytest.raises(NotAllowed):
        services.assignment_create(idea=w.own_idea, evaluator=w.evaluator, by=w.admin)
    with pytest.raises(InvalidInput):
        services.assignment_create(idea=w.ideas[0], evaluator=w.citizen, by=w.admin)
    services.conflict_declare(idea=w.ideas[0], evaluator=w.evaluators[2], reason="x", by=w.admin)
    with pytest.raises(NotAllowed):
        services.assignment_create(idea=w.ideas[0], evaluator=w.evaluators[2], by=w.admin)
    assert not Assignment.objects.exists()
    services.assignment_create(idea=w.ideas[0], evaluator=w.evaluators[1], by=w.admin)
    assert Notification.objects.filter(
        kind="evaluator_assigned", recipient=w.evaluators[1]
    ).exists()


def test_reassign_moves_draft_but_not_submitted(in_riverton):
    w = in_riverton
    a = w.assign(w.ideas[0], w.evaluators[1])
    services.scorecard_save_draft(assignment=a, by=w.evaluators[1], scores={w.criteria[0].pk: 3})
    services.assignment_reassign(assignment=a, to=w.evaluators[2], by=w.admin, reason="Holiday")
    a.refresh_from_db()
    assert a.evaluator == w.evaluators[2]
    assert not Scorecard.objects.filter(assignment=a).exists()
    _submit(w, w.ideas[0], w.evaluators[2])
    with pytest.raises(Conflict):
        services.assignment_reassign(assignment=a, to=w.evaluators[3], by=w.admin)
    with pytest.raises(NotAllowed):
        services.assignment_reassign(assignment=a, to=w.evaluators[3], by=w.evaluators[2])
    entry = EvaluationAuditLog.objects.get(action=A.REASSIGNED)
    assert entry.reason == "Holiday" and entry.actor == w.admin


def test_conflict_removes_assignment_and_is_logged(in_riverton):
    w = in_riverton
    a = w.assign(w.ideas[0], w.evaluators[1])
    services.conflict_declare(
        idea=w.ideas[0], evaluator=w.evaluators[1], reason="Family", by=w.evaluators[1]
    )
    assert not Assignment.objects.filter(pk=a.pk).exists()
    assert ConflictOfInterest.objects.get().reason == "Family"
    with pytest.raises(Conflict):
        services.conflict_declare(
            idea=w.ideas[0], evaluator=w.evaluators[1], reason="x", by=w.admin
        )
    with pytest.raises(NotAllowed):  # not for someone else
        services.conflict_declare(
            idea=w.ideas[1], evaluator=w.evaluators[2], reason="x", by=w.evaluators[1]
        )
    with pytest.raises(InvalidInput):
        services.conflict_declare(
            idea=w.ideas[1], evaluator=w.evaluators[1], reason=" ", by=w.admin
        )


# --- scorecards --------------------------------------------------------------------


def test_draft_then_submit_then_locked(in_riverton):
    w = in_riverton
    a = w.assign(w.ideas[0], w.evaluators[1])
    ev = w.evaluators[1]
    card = services.scorecard_save_draft(
        assignment=a,
        by=ev,
        scores={w.criteria[0].pk: 4},
        comments={w.criteria[1].pk: "Not new"},
        overall_comment="So far so good",
    )
    assert card.state == Scorecard.State.DRAFT
    assert dict(CriterionScore.objects.values_list("criterion_id", "score")) == {
        w.criteria[0].pk: 4,
        w.criteria[1].pk: None,
    }
    with pytest.raises(InvalidInput, match="a score is required"):
        services.scorecard_submit(assignment=a, by=ev, scores={w.criteria[0].pk: 4})
    card = services.scorecard_submit(
        assignment=a, by=ev, scores=w.full_scores(), recommendation="needs_info"
    )
    assert card.state == Scorecard.State.SUBMITTED and card.submitted_at
    with pytest.raises(Conflict, match="locked"):
        services.scorecard_save_draft(assignment=a, by=ev, scores=w.full_scores(0, 0, 0))
    with pytest.raises(Conflict, match="locked"):
        services.scorecard_submit(
            assignment=a, by=ev, scores=w.full_scores(0, 0, 0), recommendation="reject"
        )
    assert sorted(CriterionScore.objects.values_list("score", flat=True)) == [2, 3, 4]
    actions = list(
        EvaluationAuditLog.objects.filter(idea=w.ideas[0]).values_list("action", flat=True)
    )
    assert A.DRAFT_SAVED in actions and A.SUBMITTED in actions


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({0: 6}, "between 0 and 5"),
        ({0: -1}, "between 0 and 5"),
        ({0: "3.5"}, "whole number"),
        ({0: "four"}, "whole number"),
        ({0: True}, "whole number"),
    ],
)
def test_out_of_range_scores_refused_and_nothing_changes(in_riverton, scores, message):
    w = in_riverton
    a = w.assign(w.ideas[0], w.evaluators[1])
    services.scorecard_save_draft(assignment=a, by=w.evaluators[1], scores={w.criteria[0].pk: 2})
    bad = {w.criteria[i].pk: v for i, v in scores.items()}
    with pytest.raises(InvalidInput, match=message):
        services.scorecard_save_draft(assignment=a, by=w.evaluators[1], scores=bad)
    assert list(CriterionScore.objects.values_list("score", flat=True)) == [2]


def test_criterion_of_another_rubric_refused(in_riverton):
    w = in_riverton
    a = w.assign(w.ideas[0], w.evaluators[1])
    foreign = CriterionFactory()
    with pytest.raises(InvalidInput, match="not in this rubric"):
        services.scorecard_save_draft(assignment=a, by=w.evaluators[1], scores={foreign.pk: 1})
    assert not Scorecard.objects.exists()


def test_scoring_own_or_unassigned_idea_refused(in_riverton):
    w = in_riverton
    own = w.assign(w.own_idea, w.evaluator)  # forced past the services
    with pytest.raises(NotAllowed, match="own idea"):
        services.scorecard_submit(
            assignment=own, by=w.evaluator, scores=w.full_scores(), recommendation="accept"
        )
    other = w.assign(w.ideas[0], w.evaluators[1])
    for intruder in (w.evaluators[2], w.admin, w.citizen):
        with pytest.raises(NotAllowed, match="not assigned"):
            services.scorecard_save_draft(assignment=other, by=intruder, scores=w.full_scores())
    assert not Scorecard.objects.exists()


def test_scoring_closed_outside_evaluation_phase(in_riverton):
    w = in_riverton
    a = w.assign(w.ideas[0], w.evaluators[1])
    Challenge.objects.filter(pk=w.challenge.pk).update(phase=Challenge.Phase.RESULTS)
    with pytest.raises(NotAllowed, match="evaluation phase"):
        services.scorecard_save_draft(assignment=a, by=w.evaluators[1], scores={})


def test_reopen_by_admin_with_reason(in_riverton):
    w = in_riverton
    card = _submit(w, w.ideas[0], w.evaluators[1])
    with pytest.raises(NotAllowed):
        services.scorecard_reopen(scorecard=card, by=w.evaluators[1], reason="oops")
    with pytest.raises(InvalidInput):
        services.scorecard_reopen(scorecard=card, by=w.admin, reason="")
    card = services.scorecard_reopen(scorecard=card, by=w.admin, reason="Typo in Impact")
    assert card.state == Scorecard.State.DRAFT and card.reopened_reason == "Typo in Impact"
    assert Notification.objects.filter(
        kind="scorecard_reopened", recipient=w.evaluators[1]
    ).exists()
    with pytest.raises(InvalidInput):
        services.scorecard_reopen(scorecard=card, by=w.admin, reason="again")
    _submit(w, w.ideas[0], w.evaluators[1], values=(5, 5, 5))
    assert EvaluationAuditLog.objects.filter(action=A.REOPENED, reason="Typo in Impact").exists()


# --- decisions ---------------------------------------------------------------------


def test_decision_goes_through_state_machine_and_notifies(in_riverton):
    w = in_riverton
    idea = w.ideas[0]
    supporters = [SupportFactory(idea=idea).user for _ in range(2)]
    services.decision_take(idea=idea, by=w.admin, decision="shortlist", message="On the list")
    services.decision_take(idea=idea, by=w.admin, decision="accept", message="We'll build it")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED
    change = StatusChange.objects.filter(idea=idea).last()
    assert change.is_official and change.message == "We'll build it"
    notified = set(
        Notification.objects.filter(kind="idea_status_changed").values_list(
            "recipient_id", flat=True
        )
    )
    assert notified == {idea.author_id, *(u.pk for u in supporters)}
    with pytest.raises(InvalidInput):  # accepted cannot be rejected
        services.decision_take(idea=idea, by=w.admin, decision="reject", message="No")
    with pytest.raises(InvalidInput):
        services.decision_take(idea=w.ideas[1], by=w.admin, decision="maybe", message="?")
    with pytest.raises(InvalidInput):  # the public answer is required
        services.decision_take(idea=w.ideas[1], by=w.admin, decision="reject", message="")
    for user in (w.evaluator, w.moderator, w.citizen):
        with pytest.raises(NotAllowed):
            services.decision_take(idea=w.ideas[1], by=user, decision="reject", message="No")
    assert Idea.objects.get(pk=w.ideas[1].pk).status == IdeaStatus.PUBLISHED


def test_bulk_decisions_one_failure_does_not_undo_others(in_riverton):
    w = in_riverton
    ideas = w.ideas[:3]
    messages = {ideas[0].pk: "Yes", ideas[1].pk: "", ideas[2].pk: "Yes too"}
    done, failures = services.decisions_bulk(
        ideas=ideas, by=w.admin, decision="accept", messages=messages
    )
    assert [i.pk for i in done] == [ideas[0].pk, ideas[2].pk]
    assert failures[0][0].pk == ideas[1].pk
    statuses = dict(Idea.objects.filter(pk__in=[i.pk for i in ideas]).values_list("pk", "status"))
    assert statuses == {
        ideas[0].pk: IdeaStatus.ACCEPTED,
        ideas[1].pk: IdeaStatus.PUBLISHED,
        ideas[2].pk: IdeaStatus.ACCEPTED,
    }


# --- cities ---------------------------------------------------------------------------


def test_other_citys_rows_are_invisible_to_services(in_riverton):
    w = in_riverton
    assert not Scorecard.objects.filter(pk=w.lakeside_scorecard.pk).exists()
    with pytest.raises(Assignment.DoesNotExist):
        services.scorecard_save_draft(
            assignment=w.lakeside_assignment, by=w.lakeside_evaluator, scores={}
        )


def test_evaluator_of_another_city_cannot_be_assigned(in_riverton):
    w = in_riverton
    with pytest.raises(InvalidInput):
        services.assignment_create(idea=w.ideas[0], evaluator=w.lakeside_evaluator, by=w.admin)


def test_role_needed_in_this_city(city, other_city):
    admin_elsewhere = make_member(other_city, Role.CITY_ADMIN)
    with city_context(city), pytest.raises(NotAllowed):
        services.rubric_create(by=admin_elsewhere, name="X", criteria=[_crit()])
    with city_context(city):
        assert not Criterion.objects.exists()
