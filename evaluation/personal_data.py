"""The evaluation app's part of a person's data in one city (registered in
``EvaluationConfig.ready``; see ``civicideas.accounts.personal_data``).

Assignments, scorecards, declared conflicts and the audit log are records
the city keeps (a decision must stay explainable): on erasure they point at
"Former evaluator" (or the person's other staff role), and the generic step
replaces the person's e-mail address in the audit log's text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from evaluation.models import Assignment, ConflictOfInterest, EvaluationAuditLog, Scorecard


class EvaluationContributor:
    label = "evaluation"
    staff_fields = frozenset(
        {
            "evaluation.Assignment.evaluator",
            "evaluation.ConflictOfInterest.declared_by",
            "evaluation.EvaluationAuditLog.actor",
        }
    )

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        yield Records(
            "assignments",
            (
                {"idea": a.idea_id, "assigned": iso(a.created_at)}
                for a in Assignment.objects.filter(evaluator=user).order_by("pk").iterator()
            ),
        )
        scorecards = (
            Scorecard.objects.filter(assignment__evaluator=user)
            .select_related("assignment")
            .prefetch_related("scores__criterion")
            .order_by("pk")
        )
        yield Records(
            "scorecards",
            (
                {
                    "idea": s.assignment.idea_id,
                    "state": s.state,
                    "recommendation": s.recommendation,
                    "overall_comment": s.overall_comment,
                    "submitted_at": iso(s.submitted_at),
                    "scores": [
                        {"criterion": c.criterion.name, "score": c.score, "comment": c.comment}
                        for c in s.scores.all()
                    ],
                }
                for s in scorecards.iterator(chunk_size=500)
            ),
        )
        yield Records(
            "conflicts_of_interest",
            (
                {"idea": c.idea_id, "reason": c.reason}
                for c in ConflictOfInterest.objects.filter(evaluator=user).order_by("pk")
            ),
        )
        yield Records(
            "audit_entries",
            (
                {
                    "action": e.action,
                    "subject": e.subject,
                    "reason": e.reason,
                    "created_at": iso(e.created_at),
                }
                for e in EvaluationAuditLog.objects.filter(actor=user).order_by("pk").iterator()
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        return None  # the generic step keeps the records under the role


CONTRIBUTOR = EvaluationContributor()
