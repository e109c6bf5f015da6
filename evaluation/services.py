"""Everything that changes the evaluation: rubrics, settings, assignments,
conflicts, scorecards and decisions.

Each function checks its rule (``evaluation.rules``), writes in one
transaction and records who did what and why in ``EvaluationAuditLog``.
Decisions go through ``ideas.services.idea_set_status``, which moves the
idea through its state machine and notifies the author and supporters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from evaluation import notifications as kinds
from evaluation import rules
from evaluation.assignment import ASSIGNABLE_STATUSES, plan_assignments
from evaluation.models import (
    Assignment,
    ChallengeEvaluation,
    ConflictOfInterest,
    Criterion,
    CriterionScore,
    EvaluationAuditLog,
    Rubric,
    Scorecard,
)
from evaluation.reminders import due_reminders_rearm
from ideas import services as idea_services
from ideas.models import Challenge, Idea, Support
from ideas.status import IdeaStatus

REASON_MAX = 1000
COMMENT_MAX = 2000
OVERALL_MAX = 5000
Action = EvaluationAuditLog.Action


def audit(
    *,
    action: str,
    by: Any,
    subject: str = "",
    reason: str = "",
    challenge: Challenge | None = None,
    idea: Idea | None = None,
    details: dict[str, Any] | None = None,
) -> EvaluationAuditLog:
    """One audit entry in the current city; call inside the change's transaction."""
    return EvaluationAuditLog.objects.create(
        city=current_city(),
        action=action,
        actor=by if getattr(by, "pk", None) else None,
        challenge=challenge,
        idea=idea,
        subject=str(subject)[:200],
        reason=reason,
        details=details or {},
    )


def _require_admin(by: Any) -> None:
    if not rules.can_manage_evaluation(by):
        raise NotAllowed(_("Only the city's administrators can do this."))


# --- rubrics --------------------------------------------------------------------


def rubric_in_use(rubric: Rubric) -> bool:
    """A rubric is frozen once any challenge using it has a submitted scorecard."""
    return Scorecard.objects.filter(
        state=Scorecard.State.SUBMITTED,
        scores__criterion__rubric=rubric,
    ).exists()


def rubric_check_editable(rubric: Rubric) -> None:
    if rubric.pk and rubric_in_use(rubric):
        raise Conflict(
            _(
                "This rubric is in use: scorecards were submitted against it, so it cannot "
                "be changed. Create a new version instead."
            ),
            code="rubric_in_use",
        )


def criteria_validate(criteria: Sequence[Criterion]) -> None:
    """The rules on a rubric's criteria as a whole: at least one, weights
    summing to more than zero, each one valid."""
    errors: list[str] = []
    for criterion in criteria:
        try:
            criterion.clean()
        except ValidationError as error:
            errors.extend(f"{criterion.name}: {m}" for m in error.messages)
    if not criteria:
        errors.append(_("A rubric needs at least one criterion."))
    elif sum((Decimal(c.weight or 0) for c in criteria), Decimal(0)) <= 0:
        errors.append(_("The criteria's weights must add up to more than zero."))
    if errors:
        raise InvalidInput(" ".join(errors))


@transaction.atomic
def rubric_create(
    *,
    by: Any,
    name: str,
    criteria: Sequence[Mapping[str, Any]],
    description: str = "",
    scale_min: int = 0,
    scale_max: int = 5,
    preset: str = "",
) -> Rubric:
    """A new rubric with its criteria (each a mapping of Criterion fields)."""
    _require_admin(by)
    name = clean_text(name, field=_("Name"), max_length=120, required=True)
    rubric = Rubric(
        city=current_city(),
        name=name,
        description=description,
        scale_min=scale_min,
        scale_max=scale_max,
        preset=preset,
    )
    try:
        rubric.clean()
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from error
    items = [
        Criterion(city=rubric.city, position=i, **dict(spec)) for i, spec in enumerate(criteria)
    ]
    criteria_validate(items)
    rubric.save()
    for item in items:
        item.rubric = rubric
    Criterion.objects.bulk_create(items)
    audit(action=Action.RUBRIC_CREATED, by=by, subject=str(rubric), details={"id": rubric.pk})
    return rubric


@transaction.atomic
def rubric_new_version(*, rubric: Rubric, by: Any) -> Rubric:
    """Copy a rubric and its criteria as its next version, to edit freely.
    Challenges keep the version they use until an admin switches them."""
    _require_admin(by)
    latest = Rubric.objects.filter(name=rubric.name).order_by("-version").first()
    copy = Rubric.objects.create(
        city=rubric.city,
        name=rubric.name,
        description=rubric.description,
        version=(latest.version if latest else rubric.version) + 1,
        parent=rubric,
        preset=rubric.preset,
        scale_min=rubric.scale_min,
        scale_max=rubric.scale_max,
    )
    Criterion.objects.bulk_create(
        Criterion(
            city=copy.city,
            rubric=copy,
            position=c.position,
            name=c.name,
            guidance=c.guidance,
            weight=c.weight,
            scale_min=c.scale_min,
            scale_max=c.scale_max,
            level_labels=c.level_labels,
            translations=c.translations,
        )
        for c in rubric.criteria.all()
    )
    audit(
        action=Action.RUBRIC_VERSIONED,
        by=by,
        subject=str(copy),
        details={"from": rubric.pk, "to": copy.pk},
    )
    return copy


# --- challenge settings -----------------------------------------------------------


def evaluation_settings(challenge: Challenge) -> ChallengeEvaluation:
    """The challenge's evaluation settings, created with the defaults."""
    settings, _created = ChallengeEvaluation.objects.get_or_create(
        challenge=challenge, defaults={"city": challenge.city}
    )
    return settings


def _challenge_has_scores(challenge: Challenge) -> bool:
    return CriterionScore.objects.filter(scorecard__assignment__challenge=challenge).exists()


@transaction.atomic
def challenge_evaluation_save(
    *, settings: ChallengeEvaluation, by: Any, changed: Iterable[str] = ()
) -> ChallengeEvaluation:
    """Save a challenge's evaluation settings (validated by the form).

    The rubric cannot be swapped once scores were given against it: the
    scores would no longer match the criteria. A new due date re-arms the
    "due soon" reminders of the challenge (``evaluation.reminders``); the
    row lock keeps that in step with a reminder run.
    """
    _require_admin(by)
    changed = list(changed)
    before = (
        ChallengeEvaluation.objects.select_for_update().get(pk=settings.pk) if settings.pk else None
    )
    if (
        before is not None
        and "rubric" in changed
        and before.rubric_id != settings.rubric_id
        and _challenge_has_scores(settings.challenge)
    ):
        raise Conflict(
            _("Scores were already given with this rubric; it can no longer be changed.")
        )
    settings.save()
    if before is not None and before.due_date != settings.due_date:
        due_reminders_rearm(challenge_id=settings.challenge_id)
    audit(
        action=Action.SETTINGS_CHANGED,
        by=by,
        challenge=settings.challenge,
        subject=str(settings.challenge),
        details={"changed": changed},
    )
    return settings


# --- assignments -------------------------------------------------------------------


@dataclass
class AutoAssignResult:
    created: int = 0
    ideas: int = 0
    evaluators: int = 0
    short_ideas: int = 0
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def assignments_auto_assign(
    *, challenge: Challenge, by: Any = None, seed: int | None = None
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


def _check_can_be_assigned(idea: Idea, evaluator: Any) -> None:
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
def assignment_create(*, idea: Idea, evaluator: Any, by: Any) -> Assignment:
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
    *, assignment: Assignment, to: Any, by: Any, reason: str = ""
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


@transaction.atomic
def conflict_declare(*, idea: Idea, evaluator: Any, reason: str, by: Any) -> ConflictOfInterest:
    """Declare that ``evaluator`` must not evaluate ``idea``, with a reason
    the city admin sees. Evaluators declare their own; admins anyone's.
    An existing assignment is removed (its scorecard too, even submitted:
    scores given under a conflict must not count); auto-assign fills the gap.
    """
    if not (rules.can_manage_evaluation(by) or (by.pk == evaluator.pk and rules.is_evaluator(by))):
        raise NotAllowed(_("You can only declare your own conflicts of interest."))
    reason = clean_text(reason, field=_("Reason"), max_length=REASON_MAX, required=True)
    conflict, created = ConflictOfInterest.objects.get_or_create(
        idea=idea,
        evaluator=evaluator,
        defaults={"city": current_city(), "reason": reason, "declared_by": by},
    )
    if not created:
        raise Conflict(_("This conflict of interest is already declared."))
    removed = Assignment.objects.filter(idea=idea, evaluator=evaluator)
    had_submitted = Scorecard.objects.filter(
        assignment__in=removed, state=Scorecard.State.SUBMITTED
    ).exists()
    count, _details = removed.delete()
    audit(
        action=Action.CONFLICT,
        by=by,
        challenge=idea.challenge,
        idea=idea,
        subject=f"{evaluator.email} / {idea}",
        reason=reason,
        details={"assignment_removed": bool(count), "submitted_discarded": had_submitted},
    )
    return conflict


# --- scorecards --------------------------------------------------------------------


def _locked_assignment(assignment: Assignment) -> Assignment:
    """The assignment under a row lock: every scorecard change of one
    assignment queues here, so a double submit runs one after the other."""
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("idea", "challenge")
        .get(pk=assignment.pk)
    )


def _scorecard_input(
    *,
    assignment: Assignment,
    rubric: Rubric,
    scores: Mapping[int, int | None],
    comments: Mapping[int, str] | None,
    overall_comment: str,
    recommendation: str,
    complete: bool,
) -> tuple[dict[int, tuple[int | None, str]], str, str]:
    """Validate everything before anything is written; one message for all
    problems. Returns {criterion_id: (score or None, comment)}.

    Scores are typed values only (``int`` or None): a string, float or bool
    is refused like any score that is not a whole number. The admin page
    parses its POST with :class:`evaluation.forms.ScorecardForm`, the API
    with its serializer."""
    criteria = list(rubric.criteria.all())
    known = {c.pk for c in criteria}
    comments = comments or {}
    unknown = (set(scores) | set(comments)) - known
    if unknown:
        raise InvalidInput(_("Some scores are for criteria that are not in this rubric."))
    problems: list[str] = []
    cleaned: dict[int, tuple[int | None, str]] = {}
    for criterion in criteria:
        raw = scores.get(criterion.pk)
        value: int | None
        if raw is None:
            value = None
        elif isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        else:
            # Strings included: evaluation.forms parses the page's text, the
            # API's serializer its JSON; a string here is a caller's bug.
            problems.append(
                _("%(criterion)s: the score must be a whole number.")
                % {"criterion": criterion.name}
            )
            continue
        if value is not None and not criterion.scale_min <= value <= criterion.scale_max:
            problems.append(
                _("%(criterion)s: the score must be between %(min)d and %(max)d.")
                % {
                    "criterion": criterion.name,
                    "min": criterion.scale_min,
                    "max": criterion.scale_max,
                }
            )
            continue
        if value is None and complete:
            problems.append(
                _("%(criterion)s: a score is required.") % {"criterion": criterion.name}
            )
        try:
            comment = clean_text(
                comments.get(criterion.pk, ""),
                field=criterion.name,
                max_length=COMMENT_MAX,
                required=False,
            )
        except ServiceError as error:
            problems.append(error.message)
            continue
        cleaned[criterion.pk] = (value, comment)
    try:
        overall = clean_text(
            overall_comment, field=_("Overall comment"), max_length=OVERALL_MAX, required=False
        )
    except ServiceError as error:
        problems.append(error.message)
        overall = ""
    if recommendation and recommendation not in Scorecard.Recommendation.values:
        problems.append(_("Choose a recommendation from the list."))
    elif complete and not recommendation:
        problems.append(_("Choose a recommendation."))
    if problems:
        raise InvalidInput(" ".join(problems))
    return cleaned, overall, recommendation


def _save_scorecard(
    *,
    assignment: Assignment,
    by: Any,
    scores: Mapping[int, int | None],
    comments: Mapping[int, str] | None,
    overall_comment: str,
    recommendation: str,
    submit: bool,
) -> Scorecard:
    assignment = _locked_assignment(assignment)
    if not rules.can_score(by, assignment):
        if assignment.idea.author_id == getattr(by, "pk", None):
            raise NotAllowed(_("Nobody evaluates their own idea."))
        raise NotAllowed(_("You are not assigned to evaluate this idea."))
    if assignment.challenge.phase != Challenge.Phase.EVALUATION:
        raise NotAllowed(_("This challenge is not in its evaluation phase."))
    settings = (
        ChallengeEvaluation.objects.select_related("rubric")
        .filter(challenge=assignment.challenge)
        .first()
    )
    if settings is None or settings.rubric is None:
        raise InvalidInput(_("This challenge has no rubric yet."))
    scorecard = Scorecard.objects.filter(assignment=assignment).first()
    if scorecard is not None and scorecard.state == Scorecard.State.SUBMITTED:
        raise Conflict(
            _("This scorecard is already submitted and locked. Nothing was changed."),
            code="locked",
        )
    cleaned, overall, recommendation = _scorecard_input(
        assignment=assignment,
        rubric=settings.rubric,
        scores=scores,
        comments=comments,
        overall_comment=overall_comment,
        recommendation=recommendation,
        complete=submit,
    )
    if scorecard is None:
        scorecard = Scorecard(city=assignment.city, assignment=assignment)
    scorecard.overall_comment = overall
    scorecard.recommendation = recommendation
    if submit:
        scorecard.state = Scorecard.State.SUBMITTED
        scorecard.submitted_at = timezone.now()
    scorecard.save()
    CriterionScore.objects.filter(scorecard=scorecard).delete()
    CriterionScore.objects.bulk_create(
        CriterionScore(
            city=scorecard.city,
            scorecard=scorecard,
            criterion_id=criterion_id,
            score=value,
            comment=comment,
        )
        for criterion_id, (value, comment) in cleaned.items()
        if value is not None or comment
    )
    audit(
        action=Action.SUBMITTED if submit else Action.DRAFT_SAVED,
        by=by,
        challenge=assignment.challenge,
        idea=assignment.idea,
        subject=f"{assignment.idea} — {by.email}",
        details={
            "scores": {str(k): v for k, (v, _c) in cleaned.items()},
            "recommendation": recommendation,
        },
    )
    return scorecard


@transaction.atomic
def scorecard_save_draft(
    *,
    assignment: Assignment,
    by: Any,
    scores: Mapping[int, int | None],
    comments: Mapping[int, str] | None = None,
    overall_comment: str = "",
    recommendation: str = "",
) -> Scorecard:
    """Save what the evaluator has so far; scores may be missing, but those
    given must be on the criterion's scale."""
    return _save_scorecard(
        assignment=assignment,
        by=by,
        scores=scores,
        comments=comments,
        overall_comment=overall_comment,
        recommendation=recommendation,
        submit=False,
    )


@transaction.atomic
def scorecard_submit(
    *,
    assignment: Assignment,
    by: Any,
    scores: Mapping[int, int | None],
    comments: Mapping[int, str] | None = None,
    overall_comment: str = "",
    recommendation: str = "",
) -> Scorecard:
    """Submit a complete scorecard (every criterion scored, a
    recommendation). It is locked afterwards; only a city admin can reopen
    it. A second submit, concurrent or not, gets a clear error and changes
    nothing (the assignment row lock serialises them)."""
    return _save_scorecard(
        assignment=assignment,
        by=by,
        scores=scores,
        comments=comments,
        overall_comment=overall_comment,
        recommendation=recommendation,
        submit=True,
    )


@transaction.atomic
def scorecard_reopen(*, scorecard: Scorecard, by: Any, reason: str) -> Scorecard:
    """A city admin unlocks a submitted scorecard, saying why; the
    evaluator is told and can change and submit it again."""
    if not rules.can_reopen(by):
        raise NotAllowed(_("Only the city's administrators can reopen a scorecard."))
    reason = clean_text(reason, field=_("Reason"), max_length=REASON_MAX, required=True)
    scorecard = (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("assignment__idea", "assignment__challenge")
        .get(pk=scorecard.pk)
    )
    if scorecard.state != Scorecard.State.SUBMITTED:
        raise InvalidInput(_("Only a submitted scorecard can be reopened."))
    scorecard.state = Scorecard.State.DRAFT
    scorecard.submitted_at = None
    scorecard.reopened_reason = reason
    scorecard.save(update_fields=["state", "submitted_at", "reopened_reason", "updated_at"])
    assignment = scorecard.assignment
    notify(
        recipient_ids=[assignment.evaluator_id],
        kind=kinds.SCORECARD_REOPENED,
        about=assignment.idea,
        payload={"idea": assignment.idea_id, "title": assignment.idea.title, "reason": reason},
    )
    audit(
        action=Action.REOPENED,
        by=by,
        challenge=assignment.challenge,
        idea=assignment.idea,
        subject=str(assignment),
        reason=reason,
    )
    return scorecard


# --- decisions --------------------------------------------------------------------


class Decision:
    SHORTLIST = "shortlist"
    ACCEPT = "accept"
    REJECT = "reject"

    STATUS = {
        SHORTLIST: IdeaStatus.UNDER_EVALUATION,
        ACCEPT: IdeaStatus.ACCEPTED,
        REJECT: IdeaStatus.REJECTED,
    }


@transaction.atomic
def decision_take(
    *, idea: Idea, by: Any, decision: str, message: str, expected_version: int | None = None
) -> Idea:
    """The city admin's decision on an idea, with the public answer.

    Shortlist puts it under evaluation, accept and reject decide. The
    status change, its public timeline entry and the notifications of the
    author and every supporter are ``ideas.services.idea_set_status``'s;
    the evaluators assigned to the idea are told here (``decision_taken``),
    except any who already hear it as the author or a supporter.
    ``expected_version`` is the idea's, checked by ``idea_set_status``.
    """
    if not rules.can_decide(by):
        raise NotAllowed(_("Only the city's administrators can decide on ideas."))
    status = Decision.STATUS.get(decision)
    if status is None:
        raise InvalidInput(_("Unknown decision."))
    change = idea_services.idea_set_status(
        idea=idea, by=by, status=status, message=message, expected_version=expected_version
    )
    idea.refresh_from_db(fields=["status", "lock_version"])
    evaluator_ids = (
        Assignment.objects.filter(idea=idea)
        .exclude(evaluator_id=idea.author_id)
        .exclude(evaluator_id__in=Support.objects.filter(idea=idea).values("user_id"))
        .order_by("evaluator_id")
        .values_list("evaluator_id", flat=True)
    )
    notify(
        recipient_ids=list(evaluator_ids),
        kind=kinds.DECISION_TAKEN,
        about=idea,
        payload={
            "idea": idea.pk,
            "title": idea.title,
            "status": str(status),
            "decision": decision,
            "message": change.message,
        },
    )
    audit(
        action=Action.DECISION,
        by=by,
        challenge=idea.challenge,
        idea=idea,
        subject=str(idea),
        reason=message,
        details={"decision": decision, "status": status},
    )
    return idea


def decisions_bulk(
    *, ideas: Sequence[Idea], by: Any, decision: str, messages: Mapping[int, str]
) -> tuple[list[Idea], list[tuple[Idea, str]]]:
    """Decide on several ideas, each with its own public answer. Each idea
    is its own transaction (savepoint): one that fails (already decided,
    empty answer) does not undo the others. Returns (done, failures)."""
    if not rules.can_decide(by):
        raise NotAllowed(_("Only the city's administrators can decide on ideas."))
    done: list[Idea] = []
    failures: list[tuple[Idea, str]] = []
    for idea in ideas:
        try:
            done.append(
                decision_take(
                    idea=idea, by=by, decision=decision, message=messages.get(idea.pk, "")
                )
            )
        except ServiceError as error:
            failures.append((idea, error.message))
    return done, failures
