"""Reads of the practice exchange: the browse list and one practice's page.

Every list is a bounded number of queries whatever the page size: the city
is joined, adoption counts are one aggregate, search is the GIN-indexed
``search_vector`` (docs/exchange.md, "Search")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, Q, QuerySet

from civicideas.content.search_config import FALLBACK_CONFIG, search_config
from exchange.models import Adoption, Method, Practice, Topic

#: City size bands for the filter (inhabitants).
SIZES = {
    "small": (0, 50_000),
    "medium": (50_000, 250_000),
    "large": (250_000, None),
}
#: "≥ n % of ideas answered" thresholds offered by the filter.
ANSWERED = (25, 50, 75, 90)
SORTS = ("newest", "evidence", "adopted")
QUERY_MAX = 200
PAGE_SIZE = 20


@dataclass(frozen=True)
class Filters:
    q: str = ""
    topic: str = ""
    method: str = ""
    size: str = ""
    language: str = ""
    answered: int | None = None
    sort: str = "newest"

    @classmethod
    def parse(cls, data: Any, languages: set[str]) -> Filters:
        """Anything unknown is ignored, never an error: a filter link from
        an older page still shows a list."""

        def one(key: str) -> str:
            value = data.get(key, "")
            return value if isinstance(value, str) else ""

        answered = one("answered")
        return cls(
            # Printable characters only: a NUL would make PostgreSQL refuse the query.
            q="".join(ch for ch in one("q")[:QUERY_MAX] if ch.isprintable()).strip(),
            topic=one("topic") if one("topic") in Topic.values else "",
            method=one("method") if one("method") in Method.values else "",
            size=one("size") if one("size") in SIZES else "",
            language=one("language") if one("language") in languages else "",
            answered=int(answered) if answered in {str(a) for a in ANSWERED} else None,
            sort=one("sort") if one("sort") in SORTS else "newest",
        )


def published() -> QuerySet[Practice]:
    practices: QuerySet[Practice] = (
        Practice.objects.published()
        .select_related("publishing_city", "adopted_from")
        .annotate(adoption_count=Count("adoptions", distinct=True))
    )
    return practices


def practice_list(filters: Filters, language: str) -> QuerySet[Practice]:
    practices = published()
    if filters.topic:
        practices = practices.filter(topics__contains=[filters.topic])
    if filters.method:
        practices = practices.filter(method=filters.method)
    if filters.size:
        low, high = SIZES[filters.size]
        practices = practices.filter(publishing_city__population__gte=low)
        if high is not None:
            practices = practices.filter(publishing_city__population__lt=high)
    if filters.language:
        practices = practices.filter(languages__contains=[filters.language])
    if filters.answered is not None:
        practices = practices.filter(share_answered__gte=filters.answered)
    if filters.q:
        # The query in the reader's language (its stemming) or word for word.
        config = search_config(filters.language or language)
        query = SearchQuery(filters.q, config=config, search_type="websearch") | SearchQuery(
            filters.q, config=FALLBACK_CONFIG, search_type="websearch"
        )
        practices = practices.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
        if filters.sort == "newest":
            return practices.order_by("-rank", "-published_at", "-pk")
    if filters.sort == "evidence":
        return practices.order_by("-share_answered", "-participants", "-pk")
    if filters.sort == "adopted":
        return practices.order_by(F("adoption_count").desc(), "-published_at", "-pk")
    return practices.order_by("-published_at", "-pk")


def practice_by_slug(slug: str) -> Practice | None:
    return published().filter(slug=slug).first()


def adoptions_of(practice: Practice) -> list[Adoption]:
    return list(practice.adoptions.select_related("adopting_city").order_by("created_at"))


def comparisons(practice: Practice) -> list[Practice]:
    """The original and each published practice of an adopting city that
    says it adopted this one: the side-by-side evidence (one query)."""
    original = practice
    if practice.adopted_from is not None and practice.adopted_from.status == "published":
        original = practice.adopted_from
    others = list(
        Practice.objects.published()
        .filter(Q(adopted_from=original))
        .select_related("publishing_city")
        .order_by("published_at", "pk")
    )
    return [original, *others] if others else []


def city_adoptions(city_id: int) -> QuerySet[Adoption]:
    return Adoption.objects.filter(adopting_city_id=city_id).select_related("practice")


def platform_summary(limit: int = 3) -> dict[str, Any]:
    """For the platform home: the newest practices and totals (two queries)."""
    newest = list(published().order_by("-published_at", "-pk")[:limit])
    totals = Practice.objects.published().aggregate(
        practices=Count("pk"), cities=Count("publishing_city", distinct=True)
    )
    return {"newest": newest, **totals, "adoptions": Adoption.objects.count()}
