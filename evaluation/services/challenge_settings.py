"""A challenge's evaluation settings: rubric, evaluators per idea, due date."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import Conflict
from evaluation.models import ChallengeEvaluation, CriterionScore
from evaluation.rankings import ranking_refresh
from evaluation.reminders import due_reminders_rearm
from evaluation.services.common import Action, _require_admin, audit
from ideas.models import Challenge

if TYPE_CHECKING:
    from civicideas.accounts.models import User


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
    *, settings: ChallengeEvaluation, by: User, changed: Iterable[str] = ()
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
    ranking_refresh(challenge_id=settings.challenge_id)
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
