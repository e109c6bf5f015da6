"""Everything that changes the evaluation: rubrics, settings, assignments,
conflicts, scorecards and decisions.

One module per family, all re-exported here so callers keep writing
``services.scorecard_submit(...)``: ``rubrics``, ``challenge_settings``,
``assignments``, ``conflicts``, ``scorecards``, ``decisions`` and
``common`` (the audit log and the administrators' check they share).

Each function checks its rule (``evaluation.rules``), writes in one
transaction and records who did what and why in ``EvaluationAuditLog``.
Decisions go through ``ideas.services.idea_set_status``, which moves the
idea through its state machine and notifies the author and supporters.
"""

from __future__ import annotations

from evaluation.services.assignments import (
    AutoAssignResult,
    assignment_create,
    assignment_reassign,
    assignments_auto_assign,
)
from evaluation.services.challenge_settings import (
    challenge_evaluation_save,
    evaluation_settings,
)
from evaluation.services.common import REASON_MAX, Action, audit
from evaluation.services.conflicts import conflict_declare
from evaluation.services.decisions import Decision, decision_take, decisions_bulk
from evaluation.services.rubrics import (
    criteria_validate,
    rubric_check_editable,
    rubric_create,
    rubric_in_use,
    rubric_new_version,
)
from evaluation.services.scorecards import (
    COMMENT_MAX,
    OVERALL_MAX,
    scorecard_reopen,
    scorecard_save_draft,
    scorecard_submit,
)

__all__ = [
    "COMMENT_MAX",
    "OVERALL_MAX",
    "REASON_MAX",
    "Action",
    "AutoAssignResult",
    "Decision",
    "assignment_create",
    "assignment_reassign",
    "assignments_auto_assign",
    "audit",
    "challenge_evaluation_save",
    "conflict_declare",
    "criteria_validate",
    "decision_take",
    "decisions_bulk",
    "evaluation_settings",
    "rubric_check_editable",
    "rubric_create",
    "rubric_in_use",
    "rubric_new_version",
    "scorecard_reopen",
    "scorecard_save_draft",
    "scorecard_submit",
]
