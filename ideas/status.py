"""The idea's life cycle: which status may follow which, and who sees it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not retained")
    DUPLICATE = "duplicate", _("Duplicate")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    HIDDEN = "hidden", _("Hidden by moderation")
    WITHDRAWN = "withdrawn", _("Withdrawn by the author")


S = IdeaStatus

#: Statuses the public sees (lists, search, similar ideas, API, counts, feeds).
PUBLIC_STATUSES = frozenset(
    {
        S.PUBLISHED,
        S.UNDER_EVALUATION,
        S.ACCEPTED,
        S.REJECTED,
        S.DUPLICATE,
        S.IN_PROGRESS,
        S.IMPLEMENTED,
    }
)
#: The public statuses in a fixed order, so the SQL of ``Idea.objects.public()``
#: is the same in every process and reads like the partial indexes' condition
#: (PostgreSQL proves the implication whatever the order; frozenset order
#: varies per process).
PUBLIC_STATUS_LIST = tuple(sorted(PUBLIC_STATUSES))

#: Allowed transitions. HIDDEN → previous status is "restore" (see services).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.PUBLISHED, S.PENDING}),
    S.PENDING: frozenset({S.PUBLISHED, S.HIDDEN, S.WITHDRAWN}),
    S.PUBLISHED: frozenset(
        {S.UNDER_EVALUATION, S.ACCEPTED, S.REJECTED, S.DUPLICATE, S.HIDDEN, S.WITHDRAWN}
    ),
    S.UNDER_EVALUATION: frozenset({S.ACCEPTED, S.REJECTED, S.DUPLICATE, S.HIDDEN}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.IMPLEMENTED, S.HIDDEN}),
    S.IN_PROGRESS: frozenset({S.IMPLEMENTED, S.HIDDEN}),
    S.REJECTED: frozenset({S.UNDER_EVALUATION, S.HIDDEN}),
    S.DUPLICATE: frozenset({S.PUBLISHED, S.HIDDEN}),
    S.IMPLEMENTED: frozenset({S.HIDDEN}),
    S.HIDDEN: frozenset(),
    S.WITHDRAWN: frozenset(),
}

#: Statuses a civil servant sets with an official answer (author and
#: supporters are notified).
OFFICIAL_STATUSES = frozenset(
    {S.UNDER_EVALUATION, S.ACCEPTED, S.REJECTED, S.DUPLICATE, S.IN_PROGRESS, S.IMPLEMENTED}
)


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
