"""The projects app's part of a person's data in one city (registered in
``ProjectsConfig.ready``; see ``civicideas.accounts.personal_data``).

A resident's only personal data here is which projects they follow: exported,
and removed with the account (the generic step deletes the rows). The
civil servants named as responsible, or who wrote news or moved a project,
are records the city keeps: they point at "Former <role>".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from projects.models import ProjectFollow


class ProjectsContributor:
    label = "projects"
    staff_fields = frozenset(
        {
            "projects.Project.responsible",
            "projects.ProjectUpdate.author",
            "projects.ProjectStatusChange.by",
        }
    )

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        follows = ProjectFollow.objects.filter(user=user).select_related("project").order_by("pk")
        yield Records(
            "projects_followed",
            (
                {"project": f.project_id, "title": f.project.title, "since": iso(f.created_at)}
                for f in follows.iterator()
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        ProjectFollow.objects.filter(user=user).delete()


CONTRIBUTOR = ProjectsContributor()
