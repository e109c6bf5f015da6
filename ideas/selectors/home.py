"""The city's home page: open challenges, top ideas, official answers and
the participation figures."""

from __future__ import annotations

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from civicideas.pagination import cache_get, cache_set
from civicideas.tenancy.context import current_city_or_none
from ideas.models import Challenge, Idea, StatusChange
from ideas.selectors.common import with_thumbnails
from ideas.status import PUBLIC_STATUS_LIST

#: How long the home page's counts are reused, in seconds (the lists'
#: totals: ``civicideas.pagination.COUNT_CACHE_SECONDS``).
HOME_COUNTS_CACHE_SECONDS = 60


OPEN_PHASES = (Challenge.Phase.IDEAS, Challenge.Phase.SUPPORTS)


def open_challenges(limit: int = 12) -> list[Challenge]:
    return list(
        Challenge.objects.filter(phase__in=OPEN_PHASES).order_by(
            F("ideas_deadline").asc(nulls_last=True), "-created_at"
        )[:limit]
    )


def top_ideas(*, sort: str, limit: int = 5) -> list[Idea]:
    """Most supported or newest public ideas of the city's public challenges."""
    order = ("-support_count", "-pk") if sort == "most_supported" else ("-published_at", "-pk")
    return with_thumbnails(
        list(
            Idea.objects.public()
            .exclude(challenge__phase=Challenge.Phase.DRAFT)
            .select_related("challenge", "category", "district")
            .order_by(*order)[:limit]
        )
    )


def recent_official_answers(limit: int = 5) -> list[StatusChange]:
    """ "What we did with your ideas": the latest public official answers on
    ideas the public can still see."""
    return list(
        StatusChange.objects.filter(
            is_official=True, is_public=True, idea__status__in=PUBLIC_STATUS_LIST
        )
        .select_related("idea")
        .order_by("-created_at", "-pk")[:limit]
    )


def participation_counts() -> dict[str, int]:
    """Public ideas, their supports and comments, from the denormalised
    counters: one aggregate over the ideas, whatever the number of supports.

    Cached per city for ``HOME_COUNTS_CACHE_SECONDS``: the aggregate reads
    every public idea of the city (40 ms at 100,000), and the home page's
    "so far" figures need not be to the second."""
    city = current_city_or_none()
    key = f"ideas:participation:v1:{city.pk}" if city is not None else None
    if key is not None:
        cached = cache_get(key)
        if isinstance(cached, dict):
            return cached
    totals = Idea.objects.public().aggregate(
        ideas=Count("pk"),
        supports=Coalesce(Sum("support_count"), 0),
        comments=Coalesce(Sum("comment_count"), 0),
    )
    counts = {name: int(value or 0) for name, value in totals.items()}
    if key is not None:
        cache_set(key, counts, HOME_COUNTS_CACHE_SECONDS)
    return counts
