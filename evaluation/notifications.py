"""The notification kinds of the evaluation app: work for evaluators and
the decisions on what they evaluated (registered in ``EvaluationConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from civicideas.notifications.kinds import Kind, admin_link, ref_pk
from civicideas.notifications.models import Channel
from ideas.notifications import STATUS_FORMATS, idea_link

EVALUATORS = frozenset({"evaluator", "city_admin"})


def open_assignments_link(notification: Any) -> str:
    """The recipient's assignments in the admin ("My assignments" for an
    evaluator), narrowed to the challenge's ones not yet submitted."""
    challenge_id = (notification.payload or {}).get("challenge")
    if challenge_id is None and notification.subject_ref.startswith("ideas.challenge:"):
        challenge_id = ref_pk(notification.subject_ref)
    try:
        path = reverse("admin:evaluation_assignment_changelist")
    except NoReverseMatch:
        return "/admin/"
    try:
        return f"{path}?challenge__id__exact={int(challenge_id)}&progress=open"
    except (TypeError, ValueError):
        return path


EVALUATOR_ASSIGNED = Kind(
    "evaluator_assigned",
    _("Evaluation assigned to you"),
    _("You were asked to evaluate “%(title)s”."),
    Channel.IMMEDIATELY,
    admin_link,
    roles=EVALUATORS,
)
EVALUATION_DUE_SOON = Kind(
    "evaluation_due_soon",
    _("Evaluation due soon"),
    _("Your evaluations for “%(title)s” are due on %(due)s (%(left)s left)."),
    Channel.IMMEDIATELY,
    open_assignments_link,
    roles=EVALUATORS,
)
DECISION_TAKEN = Kind(
    "decision_taken",
    _("Decision on an idea you evaluated"),
    _("The city decided on “%(title)s”: %(status)s."),
    Channel.DAILY,
    idea_link,
    roles=EVALUATORS,
    details=("message",),
    formats=STATUS_FORMATS,
)
SCORECARD_REOPENED = Kind(
    "scorecard_reopened",
    _("Scorecard reopened"),
    _("Your scorecard for “%(title)s” was reopened."),
    Channel.IMMEDIATELY,
    admin_link,
    roles=EVALUATORS,
    details=("reason",),
)

#: In the order of the preferences page.
KINDS = (EVALUATOR_ASSIGNED, EVALUATION_DUE_SOON, DECISION_TAKEN, SCORECARD_REOPENED)
