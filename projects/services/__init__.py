"""The writes of city projects (``<entity>_<verb>``), shared by the admin,
the public pages, the API, the CSV import and the demo.

Lock order: project → its parent (progress rolls up) → ideas (their status
follows the project, through ``ideas.services.idea_set_status``, which locks
each idea).
"""

from projects.services.follows import project_follow, project_unfollow
from projects.services.milestones import milestone_delete, milestone_save
from projects.services.progress import project_refresh_progress
from projects.services.projects import (
    project_create,
    project_edit,
    project_link_ideas,
    project_set_status,
    project_unlink_idea,
)
from projects.services.updates import update_publish

__all__ = [
    "milestone_delete",
    "milestone_save",
    "project_create",
    "project_edit",
    "project_follow",
    "project_link_ideas",
    "project_refresh_progress",
    "project_set_status",
    "project_unfollow",
    "project_unlink_idea",
    "update_publish",
]
