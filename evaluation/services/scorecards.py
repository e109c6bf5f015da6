"""Evaluators' scorecards: drafts, submission and reopening."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from civicideas.notifications.outbox import notify
from civicideas.text import clean_text
from evaluation import notifications as kinds
from evaluation import rules
from evaluation.models import Assignment, ChallengeEvaluation, CriterionScore, Rubric, Scorecard
from evaluation.rankings import ranking_refresh
from evaluation.services.common import REASON_MAX, Action, audit
from ideas.models import Challenge

if TYPE_CHECKING:
    from civicideas.accounts.models import User

COMMENT_MAX = 2000
OVERALL_MAX = 5000


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
    by: User,
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
    if submit:
        ranking_refresh(challenge_id=assignment.challenge.pk)
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
    by: User,
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
    by: User,
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
def scorecard_reopen(*, scorecard: Scorecard, by: User, reason: str) -> Scorecard:
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
    ranking_refresh(challenge_id=assignment.challenge.pk)
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
