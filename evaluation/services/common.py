"""What the families of evaluation services share: the audit log and the
administrators' check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from civicideas.errors import NotAllowed
from civicideas.tenancy.context import current_city
from evaluation import rules
from evaluation.models import EvaluationAuditLog
from ideas.models import Challenge, Idea

if TYPE_CHECKING:
    from civicideas.accounts.models import User

REASON_MAX = 1000
Action = EvaluationAuditLog.Action


def audit(
    *,
    action: str,
    by: User | None,
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


def _require_admin(by: User) -> None:
    if not rules.can_manage_evaluation(by):
        raise NotAllowed(_("Only the city's administrators can do this."))
