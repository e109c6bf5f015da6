"""A project's life cycle and which idea status each stage gives its ideas."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ideas.status import IdeaStatus


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("Stopped")


P = ProjectStatus

#: Allowed transitions. A stopped project may be resumed; a done one is done.
TRANSITIONS: dict[str, frozenset[str]] = {
    P.PLANNED: frozenset({P.IN_PROGRESS, P.STOPPED}),
    P.IN_PROGRESS: frozenset({P.DONE, P.STOPPED}),
    P.STOPPED: frozenset({P.PLANNED, P.IN_PROGRESS}),
    P.DONE: frozenset(),
}

#: The status a project's stage gives each idea it carries out (through the
#: ideas' own state machine: ``ideas.services.idea_set_status``). Planned and
#: stopped projects leave their ideas as they are.
IDEA_STATUS_FOR = {
    P.IN_PROGRESS: IdeaStatus.IN_PROGRESS,
    P.DONE: IdeaStatus.IMPLEMENTED,
}

#: Idea statuses a project may take in: decided in favour, or already under way.
LINKABLE_IDEA_STATUSES = frozenset(
    {IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED}
)


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
