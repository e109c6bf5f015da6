"""Challenges (calls for ideas), ideas and what citizens do with them.

One module per family, all re-exported here so callers keep writing
``from ideas.models import Idea``: ``taxonomy`` (categories, districts),
``challenges``, ``follows``, ``ideas`` (with their search entries and
images), ``supports``, ``comments``, ``moderation`` (reports and the
moderation log) and ``timeline`` (status changes, the official answers).
"""

from __future__ import annotations

from ideas.models.challenges import (
    Challenge,
    ChallengeCategory,
    ChallengeDistrict,
    ChallengeQuerySet,
)
from ideas.models.comments import COMMENT_MAX, Comment
from ideas.models.follows import Follow
from ideas.models.ideas import (
    BODY_MAX,
    TITLE_MAX,
    Channel,
    Idea,
    IdeaImage,
    IdeaQuerySet,
    IdeaSearchEntry,
)
from ideas.models.imports import ImportBatch, ImportedIdea, ImportStatus
from ideas.models.invitations import IdeaInvitation
from ideas.models.moderation import ModerationAction, Report
from ideas.models.supports import Support
from ideas.models.taxonomy import Category, Department, District
from ideas.models.timeline import StatusChange

__all__ = [
    "BODY_MAX",
    "COMMENT_MAX",
    "TITLE_MAX",
    "Category",
    "Challenge",
    "ChallengeCategory",
    "ChallengeDistrict",
    "ChallengeQuerySet",
    "Channel",
    "Comment",
    "Department",
    "District",
    "Follow",
    "Idea",
    "IdeaImage",
    "IdeaInvitation",
    "IdeaQuerySet",
    "IdeaSearchEntry",
    "ImportBatch",
    "ImportStatus",
    "ImportedIdea",
    "ModerationAction",
    "Report",
    "StatusChange",
    "Support",
]
