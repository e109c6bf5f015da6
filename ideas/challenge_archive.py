"""The city's challenges by where they stand, and one challenge's phases as
a timeline (the archive page and the challenge page).

A challenge's *standing* is what a visitor needs to know before opening it:

* ``open``: ideas or supports are accepted now;
* ``upcoming``: open for ideas, but its announced opening date
  (``ideas_open_from``) is still ahead;
* ``evaluation``: the city is studying the ideas;
* ``closed``: results published or closed, shown with what came of it
  (accepted ideas, official answers).

Drafts are never shown. The standing is derived in SQL from the phase and
the opening date, so a list filters and counts without reading every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicideas.pagination import ResultPage, paginate
from ideas.models import Challenge, Idea, StatusChange
from ideas.status import PUBLIC_STATUS_LIST, IdeaStatus

Phase = Challenge.Phase

#: The standings a visitor can filter by, in the order of the page's tabs.
STANDINGS: dict[str, Any] = {
    "open": pgettext_lazy("challenges", "Open"),
    "upcoming": pgettext_lazy("challenges", "Upcoming"),
    "evaluation": pgettext_lazy("challenges", "In evaluation"),
    "closed": pgettext_lazy("challenges", "Closed"),
}
#: Statuses that count as "accepted" in a closed challenge's results.
ACCEPTED_STATUSES = (IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED)
ARCHIVE_PER_PAGE = 12


def _standing_filter(standing: str, now: datetime) -> Q:
    not_yet = Q(phase=Phase.IDEAS, ideas_open_from__gt=now)
    if standing == "open":
        return Q(phase__in=(Phase.IDEAS, Phase.SUPPORTS)) & ~not_yet
    if standing == "upcoming":
        return not_yet
    if standing == "evaluation":
        return Q(phase=Phase.EVALUATION)
    return Q(phase__in=(Phase.RESULTS, Phase.CLOSED))


def standing_of(challenge: Challenge, *, now: datetime | None = None) -> str:
    """The standing of one challenge: the boolean twin of ``_standing_filter``."""
    now = now or timezone.now()
    if (
        challenge.phase == Phase.IDEAS
        and challenge.ideas_open_from
        and challenge.ideas_open_from > now
    ):
        return "upcoming"
    if challenge.phase in (Phase.IDEAS, Phase.SUPPORTS):
        return "open"
    if challenge.phase == Phase.EVALUATION:
        return "evaluation"
    return "closed"


def archive_queryset(standing: str) -> QuerySet[Challenge]:
    """Public challenges of one standing with their result counts, each a
    correlated subquery (the query count does not grow with the page)."""
    ideas = Idea.objects.filter(challenge=OuterRef("pk"), status__in=PUBLIC_STATUS_LIST)
    accepted = (
        ideas.filter(status__in=ACCEPTED_STATUSES)
        .order_by()
        .values("challenge")
        .annotate(n=Count("pk"))
        .values("n")
    )
    answers = (
        StatusChange.objects.filter(
            idea__challenge=OuterRef("pk"),
            is_official=True,
            is_public=True,
            idea__status__in=PUBLIC_STATUS_LIST,
        )
        .order_by()
        .values("idea__challenge")
        .annotate(n=Count("pk"))
        .values("n")
    )
    idea_count = ideas.order_by().values("challenge").annotate(n=Count("pk")).values("n")
    order: tuple[Any, ...]
    if standing == "open":
        order = (F("ideas_deadline").asc(nulls_last=True), "-created_at", "-pk")
    elif standing == "upcoming":
        order = ("ideas_open_from", "pk")
    else:
        order = (F("results_date").desc(nulls_last=True), "-created_at", "-pk")
    return (
        Challenge.objects.public()
        .filter(_standing_filter(standing, timezone.now()))
        .annotate(
            idea_count=Coalesce(Subquery(idea_count), Value(0)),
            accepted_count=Coalesce(Subquery(accepted), Value(0)),
            answer_count=Coalesce(Subquery(answers), Value(0)),
        )
        .order_by(*order)
    )


def archive_page(*, standing: str, page: int, per_page: int = ARCHIVE_PER_PAGE) -> ResultPage:
    return paginate(archive_queryset(standing), page=page, per_page=per_page)


def standing_counts() -> dict[str, int]:
    """How many public challenges each standing holds (one query), for the tabs."""
    now = timezone.now()
    counts = Challenge.objects.public().aggregate(
        **{name: Count("pk", filter=_standing_filter(name, now)) for name in STANDINGS}
    )
    return {name: counts[name] or 0 for name in STANDINGS}


@dataclass(frozen=True)
class Step:
    """One phase on a challenge's timeline."""

    phase: str
    label: Any
    #: What the date means ("Ideas until"), or "" when the step has none.
    date_label: Any
    date: datetime | None
    #: Whether the date is a moment (a deadline, shown with its time) or a day.
    with_time: bool
    state: str  # "done", "current" or "next"

    @property
    def is_current(self) -> bool:
        return self.state == "current"


#: The public phases in their order.
ORDER = (Phase.IDEAS, Phase.SUPPORTS, Phase.EVALUATION, Phase.RESULTS, Phase.CLOSED)


def timeline(challenge: Challenge, *, now: datetime | None = None) -> list[Step]:
    """The challenge's phases in order with their dates, the current one
    marked; a challenge not yet open has no current phase (all ahead).
    A challenge without supports has no supports step."""
    standing = standing_of(challenge, now=now)
    phases = [
        p
        for p in ORDER
        if p != Phase.SUPPORTS or challenge.supports_enabled or challenge.phase == p
    ]
    current = None if standing == "upcoming" else challenge.phase
    dates: dict[str, tuple[Any, datetime | None, bool]] = {
        Phase.IDEAS: (
            (_("Opens on"), challenge.ideas_open_from, False)
            if standing == "upcoming" or not challenge.ideas_deadline
            else (_("Ideas close on"), challenge.ideas_deadline, True)
        ),
        Phase.SUPPORTS: (_("Supports close on"), challenge.supports_deadline, True),
        Phase.EVALUATION: ("", None, False),
        Phase.RESULTS: (_("Results expected on"), challenge.results_date, False),
        Phase.CLOSED: ("", None, False),
    }
    index = phases.index(current) if current in phases else -1
    steps = []
    for position, phase in enumerate(phases):
        label, date, with_time = dates[phase]
        if date is None:
            label = ""
        if index < 0:
            state = "next"
        elif position < index:
            state = "done"
        elif position == index:
            state = "current"
        else:
            state = "next"
        steps.append(
            Step(
                phase=phase,
                label=Phase(phase).label,
                date_label=label,
                date=date,
                with_time=with_time,
                state=state,
            )
        )
    return steps
