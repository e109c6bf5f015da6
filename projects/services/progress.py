"""A project's progress is derived, never typed (unless with a reason).

* a project with sub-projects: their progress weighted by their ``weight``;
* otherwise its milestones: the weight of those done over the weight of all;
* a done project is 100 %; one without milestones or children keeps 0 %
  until it is done;
* ``progress_override`` wins, and the public page shows its reason.

Stored in ``Project.progress`` so lists sort and filter on it in SQL; every
service that changes what it is derived from calls
``project_refresh_progress``, which rolls up to the parents.
"""

from __future__ import annotations

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from projects.models import Milestone, Project
from projects.status import ProjectStatus

#: Parents deeper than this are not rolled up (a cycle guard; the admin
#: refuses cycles, this keeps a hand-made one from looping).
MAX_DEPTH = 10


def derived_progress(project: Project) -> int:
    """The progress the data says, ignoring the override (two queries at most)."""
    if project.status == ProjectStatus.DONE:
        return 100
    children = Project.objects.filter(parent=project).aggregate(
        total=Coalesce(Sum("weight"), 0), done=Coalesce(Sum(F("weight") * F("progress")), 0)
    )
    if children["total"]:
        return round(children["done"] / children["total"])
    milestones = Milestone.objects.filter(project=project).aggregate(
        total=Coalesce(Sum("weight"), 0),
        done=Coalesce(Sum("weight", filter=Q(done_on__isnull=False)), 0),
    )
    if milestones["total"]:
        return round(100 * milestones["done"] / milestones["total"])
    return 0


def project_refresh_progress(*, project: Project) -> int:
    """Recompute and store the progress of ``project`` and of its parents.
    Returns the project's new progress."""
    current: Project | None = project
    result = None
    for _depth in range(MAX_DEPTH):
        if current is None:
            break
        value = (
            current.progress_override
            if current.progress_override is not None
            else derived_progress(current)
        )
        Project.objects.filter(pk=current.pk).update(progress=value)
        current.progress = value
        if result is None:
            result = value
        current = (
            Project.objects.filter(pk=current.parent_id).first() if current.parent_id else None
        )
    return result or 0
