"""The city admin's decisions on ideas, with the public answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput, NotAllowed, ServiceError
from civicideas.notifications.outbox import notify
from evaluation import notifications as kinds
from evaluation import rules
from evaluation.models import Assignment
from evaluation.rankings import ranking_refresh
from evaluation.services.common import Action, audit
from ideas import services as idea_services
from ideas.models import Idea, Support
from ideas.status import IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User


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
    *, idea: Idea, by: User, decision: str, message: str, expected_version: int | None = None
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
    ranking_refresh(challenge_id=idea.challenge_id)
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
    *, ideas: Sequence[Idea], by: User, decision: str, messages: Mapping[int, str]
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
