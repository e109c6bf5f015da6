"""Community groups, their initiatives and needs, sponsors, offers, the city's
match fund and the precomputed sponsor ↔ initiative matches.

One module per family, all re-exported here so callers keep writing
``from sponsors.models import Offer``: ``common`` (limits and choices),
``groups``, ``initiatives`` (with needs and progress updates), ``sponsors``,
``offers``, ``facilitation`` (introductions, the match fund) and
``matches``.

Rules live in ``sponsors.services``; the constraints here are the last line
of defence that holds even under concurrent writes or raw SQL (a need is
never fulfilled beyond its quantity, a fund never commits beyond its budget).
"""

from __future__ import annotations

from sponsors.models.common import (
    NAME_MAX,
    QTY,
    QUANTITY_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    ResourceType,
    Unit,
)
from sponsors.models.facilitation import Introduction, MatchFund, MatchPledge
from sponsors.models.groups import (
    CommunityGroup,
    CommunityGroupQuerySet,
    GroupMembership,
    IdeaGroup,
)
from sponsors.models.initiatives import (
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Initiative,
    InitiativeCategory,
    InitiativeQuerySet,
    InitiativeStatus,
    Need,
    ProgressUpdate,
)
from sponsors.models.matches import SponsorMatch
from sponsors.models.offers import Offer
from sponsors.models.sponsors import (
    Sponsor,
    SponsorCategory,
    SponsorDistrict,
    SponsorMembership,
    SponsorQuerySet,
)

__all__ = [
    "NAME_MAX",
    "OPEN_STATUSES",
    "PUBLIC_STATUSES",
    "QTY",
    "QUANTITY_MAX",
    "SUMMARY_MAX",
    "TEXT_MAX",
    "CommunityGroup",
    "CommunityGroupQuerySet",
    "GroupMembership",
    "IdeaGroup",
    "Initiative",
    "InitiativeCategory",
    "InitiativeQuerySet",
    "InitiativeStatus",
    "Introduction",
    "MatchFund",
    "MatchPledge",
    "Need",
    "Offer",
    "ProgressUpdate",
    "ResourceType",
    "Sponsor",
    "SponsorCategory",
    "SponsorDistrict",
    "SponsorMatch",
    "SponsorMembership",
    "SponsorQuerySet",
    "Unit",
]
