"""Who may do what with city projects.

Projects are the city's own work: its administrators (and superusers) create,
change and move them; anyone may read the public ones and follow them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicideas.accounts.rules import signed_in
from civicideas.tenancy.permissions import is_city_admin

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer
    from projects.models import Project


def can_manage_projects(user: Viewer) -> bool:
    return is_city_admin(user)


def can_view_project(user: Viewer, project: Project) -> bool:
    """Twin of ``Project.objects.visible_to``."""
    return project.is_public or can_manage_projects(user)


def can_follow_project(user: Viewer, project: Project) -> bool:
    return signed_in(user) and can_view_project(user, project)
