"""Writes of the practice exchange: publish, refresh, unpublish, adopt,
comment, "we tried this too".

One module per family, all re-exported here so callers keep writing
``services.practice_adopt(...)``: ``publishing`` (publish, refresh the
evidence, unpublish, republish), ``adoption``, ``feedback`` (comments, "we
tried this too") and ``checks`` (the input cleaning they share).

Every service runs on a city's host, inside that city's context
(``city_context``): publishing reads the publishing city's rows under its
row-level security; adopting writes the adopting city's rows under *its*
row-level security, through the ideas/evaluation/sponsors services and
managers. The platform-level rows (``exchange.models``) are the only thing
both sides share.

Lock order: the practice row (``SELECT ... FOR UPDATE``), then the adopting
city's rows (``adoption``).
"""

from exchange.services.adoption import MAX_START_DAYS, practice_adopt
from exchange.services.checks import FIELD_LIMITS, clean_role_email, clean_texts
from exchange.services.feedback import COMMENT_MAX, practice_comment, practice_tried_too
from exchange.services.publishing import (
    MAX_CHALLENGES,
    RESERVED_SLUGS,
    practice_publish,
    practice_refresh_evidence,
    practice_republish,
    practice_unpublish,
)

__all__ = [
    "COMMENT_MAX",
    "FIELD_LIMITS",
    "MAX_CHALLENGES",
    "MAX_START_DAYS",
    "RESERVED_SLUGS",
    "clean_role_email",
    "clean_texts",
    "practice_adopt",
    "practice_comment",
    "practice_publish",
    "practice_refresh_evidence",
    "practice_republish",
    "practice_tried_too",
    "practice_unpublish",
]
