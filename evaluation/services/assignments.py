"""Who evaluates which idea: the automatic plan and assignments by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from evaluation import notifications as kinds
from evaluation.assignment import ASSIGNABLE_STATUSES, plan_assignments
from evaluation.models import Assignment, ChallengeEvaluation, ConflictOfInterest, Scorecard
from evaluation.services.challenge_settings import evaluation_settings
from evaluation.services.common import REASON_MAX, Action, _require_admin, audit
from ideas.models import Challenge, Idea

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@dataclass
class AutoAssignResult:
    created: int = 0
    ideas: int = 0
    evaluators: int = 0
    short_ideas: int = 0
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def assignments_auto_assign(
    *, challenge: Challenge, by: User | None = None, seed: int | None = None
) -> AutoAssignResult:
    """Give every assignable idea of a challenge in evaluation k evaluators.

    Load-balanced across the city's evaluators, never an idea's author or
    anyone with a conflict on it. Idempotent: existing assignments stay and
    only gaps are filled. With fewer eligible evaluators than k, the best
    possible assignment is made and the result carries a warning. The
    settings row is locked first, so two runs cannot both fill one gap.
    Each newly assigned evaluator gets one notification for the run.
    """
    if by is not None:
        _require_admin(by)
    if challenge.phase != Challenge.Phase.EVALUATION:
        raise InvalidInput(_("Ideas are assigned when the challenge is in its evaluation phase."))
    settings = evaluation_settings(challenge)
    settings = ChallengeEvaluation.objects.select_for_update().get(pk=settings.pk)
    plan = plan_assignments(challenge, k=settings.evaluators_per_idea, seed=seed)
    city = current_city()
    Assignment.objects.bulk_create(
        (
            Assignment(city=city, challenge=challenge, idea_id=idea_id, evaluator_id=evaluator_id)
            for idea_id, evaluator_id in plan.new
        ),
        batch_size=5_000,
    )
    assigned = sorted({evaluator for _idea, evaluator in plan.new})
    if assigned:
        notify(
            recipient_ids=assigned,
            kind=kinds.EVALUATOR_ASSIGNED,
            about=challenge,
            payload={"challenge": challenge.pk, "title": challenge.title},
        )
    audit(
        action=Action.AUTO_ASSIGNED,
        by=by,
        challenge=challenge,
        subject=str(challenge),
        details={
            "created": len(plan.new),
            "short_ideas": plan.short_ideas,
            "k": settings.evaluators_per_idea,
        },
    )
    return AutoAssignResult(
        created=len(plan.new),
        ideas=plan.ideas,
        evaluators=plan.evaluators,
        short_ideas=plan.short_ideas,
        warnings=plan.warnings,
    )


def _check_can_be_assigned(idea: Idea, evaluator: User) -> None:
    from civicideas.tenancy.permissions import has_role
    from civicideas.tenancy.roles import Role

    if idea.author_id == evaluator.pk:
        raise NotAllowed(_("Nobody evaluates their own idea."))
    if ConflictOfInterest.objects.filter(idea=idea, evaluator=evaluator).exists():
        raise NotAllowed(_("This evaluator declared a conflict of interest on this idea."))
    evaluator.__dict__.pop("_city_roles", None)
    if not has_role(evaluator, Role.EVALUATOR):
        raise InvalidInput(_("This person is not an evaluator in this city."))
    if idea.status not in ASSIGNABLE_STATUSES:
        raise InvalidInput(_("This idea is not waiting for evaluation."))


@transaction.atomic
def assignment_create(*, idea: Idea, evaluator: User, by: User) -> Assignment:
    """Assign one evaluator to one idea by hand."""
    _require_admin(by)
    _check_can_be_assigned(idea, evaluator)
    assignment, created = Assignment.objects.get_or_create(
        idea=idea,
        evaluator=evaluator,
        defaults={"city": current_city(), "challenge_id": idea.challenge_id},
    )
    if created:
        notify(
            recipient_ids=[evaluator.pk],
            kind=kinds.EVALUATOR_ASSIGNED,
            about=idea,
            payload={"idea": idea.pk, "title": idea.title},
        )
        audit(
            action=Action.ASSIGNED,
            by=by,
            challenge=idea.challenge,
            idea=idea,
            subject=f"{idea} → {evaluator.email}",
        )
    return assignment


@transaction.atomic
def assignment_reassign(
    *, assignment: Assignment, to: User, by: User, reason: str = ""
) -> Assignment:
    """Hand an assignment to another evaluator. A submitted scorecard stays
    with its author (reopen it first); a draft is discarded."""
    _require_admin(by)
    assignment = Assignment.objects.select_for_update().select_related("idea").get(pk=assignment.pk)
    reason = clean_text(reason, field=_("Reason"), max_length=REASON_MAX, required=False)
    scorecard = Scorecard.objects.filter(assignment=assignment).first()
    if scorecard is not None and scorecard.state == Scorecard.State.SUBMITTED:
        raise Conflict(_("This scorecard is submitted; it cannot be handed to someone else."))
    if to.pk == assignment.evaluator_id:
        return assignment
    _check_can_be_assigned(assignment.idea, to)
    if Assignment.objects.filter(idea=assignment.idea, evaluator=to).exists():
        raise Conflict(_("This evaluator is already assigned to this idea."))
    previous = assignment.evaluator
    if scorecard is not None:
        scorecard.delete()
    assignment.evaluator = to
    # The new evaluator was never reminded of this one's due date.
    assignment.due_reminder_sent_at = None
    assignment.save(update_fields=["evaluator", "due_reminder_sent_at"])
    notify(
        recipient_ids=[to.pk],
        kind=kinds.EVALUATOR_ASSIGNED,
        about=assignment.idea,
        payload={"idea": assignment.idea_id, "title": assignment.idea.title},
    )
    audit(
        action=Action.REASSIGNED,
        by=by,
        challenge=assignment.challenge,
        idea=assignment.idea,
        subject=f"{previous.email} → {to.email}",
        reason=reason,
        details={"draft_discarded": scorecard is not None},
    )
    return assignment
