"""Following a project: its news and status changes reach the follower."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import NotAllowed
from projects import rules
from projects.models import Project, ProjectFollow

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def project_follow(*, project: Project, user: User) -> bool:
    """Follow ``project``; ``False`` if already following."""
    if not rules.can_follow_project(user, project):
        raise NotAllowed(_("Sign in to follow this project."))
    _follow, created = ProjectFollow.objects.get_or_create(
        project=project, user=user, defaults={"city": project.city}
    )
    return created


@transaction.atomic
def project_unfollow(*, project: Project, user: User) -> bool:
    deleted, _rows = ProjectFollow.objects.filter(project=project, user=user).delete()
    return bool(deleted)
