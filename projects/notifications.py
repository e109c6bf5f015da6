"""The notification kinds of city projects (registered in ``ProjectsConfig.ready``).

Who hears about a project: the authors and supporters of the ideas it carries
out, and the people who follow the project itself.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from civicideas.notifications.kinds import Kind
from civicideas.notifications.models import Channel
from projects.status import ProjectStatus


def status_label(code: str) -> str:
    try:
        return str(ProjectStatus(code).label)
    except ValueError:
        return code


def project_link(notification: Any) -> str:
    project_id = (notification.payload or {}).get("project")
    try:
        return reverse("projects:detail", args=[int(project_id)])
    except (TypeError, ValueError, NoReverseMatch):
        return "/projects/"


PROJECT_STATUS_CHANGED = Kind(
    "project_status_changed",
    _("Project status"),
    _("The project “%(title)s” is now: %(status)s."),
    Channel.DAILY,
    project_link,
    details=("reason",),
    formats={"status": status_label},
)
PROJECT_UPDATE_PUBLISHED = Kind(
    "project_update",
    _("Project news"),
    _("News from the project “%(title)s”."),
    Channel.DAILY,
    project_link,
    details=("text",),
)

KINDS = (PROJECT_STATUS_CHANGED, PROJECT_UPDATE_PUBLISHED)
