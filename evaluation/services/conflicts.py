"""Conflicts of interest: who must not evaluate an idea."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import Conflict, NotAllowed
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from evaluation import rules
from evaluation.models import Assignment, ConflictOfInterest, Scorecard
from evaluation.services.common import REASON_MAX, Action, audit
from ideas.models import Idea

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def conflict_declare(*, idea: Idea, evaluator: User, reason: str, by: User) -> ConflictOfInterest:
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
