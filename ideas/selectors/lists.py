"""A challenge's list of ideas: filters, sorts, the fair rotation, search
pages and their caches."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from civicideas.pagination import ResultPage, cache_get, cache_set, cached_count, page_of
from ideas.models import Category, Challenge, ChallengeCategory, ChallengeDistrict, District, Idea
from ideas.selectors.common import _ideas_in_order, _normalized, with_thumbnails
from ideas.status import PUBLIC_STATUSES

#: Sort keys offered to visitors. "relevance" only applies with a search query.
SORTS = ("random", "newest", "most_supported", "most_discussed")
SEARCH_SORT = "relevance"
#: Seeds and ``shuffle_key`` share one range: non-negative 31-bit integers.
SEED_MAX = 2**31 - 1
#: The ``random`` order (see ``idea_list``).
ROTATION_ORDER = ("rotation_wrapped", "shuffle_key", "pk")


def idea_list(
    *,
    challenge: Challenge,
    category: Category | int | None = None,
    district: District | int | None = None,
    status: str | None = None,
    query: str = "",
    sort: str = "random",
    seed: int = 0,
) -> QuerySet[Idea]:
    """The public ideas of a challenge, filtered and sorted.

    ``random`` is a rotation of the ``shuffle_key`` order: each idea gets a
    uniformly random ``shuffle_key`` when it is created, and the visitor's
    seed is a starting point in that order — ideas with ``shuffle_key >=
    seed`` ascending, then wrapping round to those with ``shuffle_key <
    seed`` (``ROTATION_ORDER``; ``pk`` breaks ties). A seed gives the same
    order on every page; different seeds start at different ideas. For a
    visitor with a random seed, an idea leads the list with a probability
    equal to the gap between its key and the previous one; the keys are
    random, so no idea is favoured by its age, id or author, and every idea
    has the same chance in expectation (a page of 20 covers 20 gaps, so the
    chance to be on page 1 varies by about ±20 % between ideas: the price of
    an order an index can serve).

    The earlier seeded hash of ``shuffle_key`` (``hashint4extended``) was a
    different permutation per visitor, so no index could serve it and every
    page sorted all the challenge's ideas (300-500 ms at 100,000 ideas).
    The rotation is two ranges of ``idea_public_shuffle_idx``:
    ``challenge_page`` reads them with two LIMITed index scans. This
    queryset states the same order in one ORDER BY (for the API's keyset
    pagination and for tests), which a database sorts instead.

    ``relevance`` keeps the ranking of ``ideas.search``.
    """
    ideas = Idea.objects.public().in_challenge(challenge)
    if category:
        ideas = ideas.filter(category=category)
    if district:
        ideas = ideas.filter(district=district)
    if status:
        ideas = ideas.filter(status=status) if status in PUBLIC_STATUSES else ideas.none()
    ideas = ideas.select_related("category", "district")
    query = (query or "").strip()
    if query:
        from ideas.search import search_ideas

        ideas = search_ideas(ideas, query)
        if sort == SEARCH_SORT and is_search_result(ideas):
            return ideas
    if sort == "newest":
        return ideas.order_by("-created_at", "-pk")
    if sort == "most_supported":
        return ideas.order_by("-support_count", "-created_at", "-pk")
    if sort == "most_discussed":
        return ideas.order_by("-comment_count", "-created_at", "-pk")
    wrapped = ExpressionWrapper(Q(shuffle_key__lt=_clean_seed(seed)), output_field=BooleanField())
    return ideas.annotate(rotation_wrapped=wrapped).order_by(*ROTATION_ORDER)


def _clean_seed(seed: int) -> int:
    return int(seed) & SEED_MAX


def is_search_result(ideas: QuerySet[Idea]) -> bool:
    """Whether ``search_ideas`` filtered the list (a query of stop words only
    leaves it unchanged, and the page says so)."""
    return "search_rank" in ideas.query.annotations


def challenge_page(
    *,
    challenge: Challenge,
    category: Category | int | None = None,
    district: District | int | None = None,
    status: str | None = None,
    query: str = "",
    sort: str = "random",
    seed: int = 0,
    page: int = 1,
    per_page: int = 20,
) -> ResultPage:
    """One page of ``idea_list`` for the challenge page, in a few index-served
    queries whatever the page number or the number of ideas.

    1. The page's ids: an index-only scan of the order's partial index with
       LIMIT/OFFSET (the rows skipped by OFFSET cost an index entry each,
       not a heap row); for ``random`` the two ranges of the rotation
       (``_rotation_ids``).
    2. Those ideas with their category and district, in one query.
    3. The total, from ``cached_count`` (keyed by city, challenge, filters
       and query), when the page does not show it.

    A search ranks every match, so its ordered ids (the first
    ``SEARCH_CACHE_IDS``) are kept for ``SEARCH_CACHE_SECONDS`` under the
    same key plus the sort (see ``_search_page``). ``searched`` tells whether
    a search filtered the list.
    """
    filters: dict[str, Any] = {
        "challenge": challenge,
        "category": category,
        "district": district,
        "status": status,
    }
    text = _normalized(query)
    if text:
        found = _search_page(filters, text, sort=sort, seed=seed, page=page, per_page=per_page)
        if found is not None:
            return found
    ideas = idea_list(**filters, query=text, sort=sort, seed=seed)
    searched = is_search_result(ideas)
    rotation = tuple(ideas.query.order_by) == ROTATION_ORDER

    def fetch(offset: int, limit: int) -> list[Idea]:
        if rotation:
            ids = _rotation_ids(ideas, seed=_clean_seed(seed), offset=offset, limit=limit)
        else:
            ids = list(ideas.values_list("pk", flat=True)[offset : offset + limit])
        return with_thumbnails(_ideas_in_order(ideas, ids))

    key = _list_key("count", filters, text if searched else "")
    return page_of(
        fetch=fetch,
        count=lambda: cached_count(ideas, key),
        page=page,
        per_page=per_page,
        searched=searched,
    )


#: A search's ordered result ids kept for later pages and repeated searches.
SEARCH_CACHE_IDS = 1_000
SEARCH_CACHE_SECONDS = 60


def _search_page(
    filters: dict[str, Any], text: str, *, sort: str, seed: int, page: int, per_page: int
) -> ResultPage | None:
    """A search's page from its cached ordered ids, or None to read it from
    the database (a page past the first ``SEARCH_CACHE_IDS`` results).

    Ranking needs every match (``ts_rank`` or trigram similarity cannot be
    read from an index in order), so a common word costs a scan of its
    matches; the first ``SEARCH_CACHE_IDS`` ids in order are computed once a
    minute per (city, challenge, filters, query, sort) and reused, for the
    next pages and for the next people searching the same words. The ideas
    themselves are read fresh through the unsearched list, so an idea hidden
    or withdrawn since leaves the page at once; one published since shows
    up in the results within ``SEARCH_CACHE_SECONDS``.
    """
    ordered = sort in (SEARCH_SORT, *SORTS) and sort != "random"
    order = sort if ordered else f"random:{_clean_seed(seed)}"
    key = _list_key(f"search:{order}", filters, text)
    cached = cache_get(key)
    if not isinstance(cached, dict):
        ideas = idea_list(**filters, query=text, sort=sort, seed=seed)
        if is_search_result(ideas):
            found_ids = list(ideas.values_list("pk", flat=True)[: SEARCH_CACHE_IDS + 1])
            complete = len(found_ids) <= SEARCH_CACHE_IDS
            cached = {
                "searched": True,
                "ids": found_ids[:SEARCH_CACHE_IDS],
                "all": complete,
                "total": len(found_ids) if complete else ideas.order_by().count(),
            }
        else:
            cached = {"searched": False, "ids": [], "all": False, "total": 0}
        cache_set(key, cached, SEARCH_CACHE_SECONDS)
    if not cached["searched"]:
        # No searchable word: all ideas, and the page says so.
        return challenge_page(**filters, sort=sort, seed=seed, page=page, per_page=per_page)
    ids: list[int] = cached["ids"]
    number = max(1, page)
    offset = (number - 1) * per_page
    if offset + per_page >= len(ids) and not cached["all"]:
        return None
    unsearched = idea_list(**filters)
    return page_of(
        fetch=lambda offset, limit: with_thumbnails(
            _ideas_in_order(unsearched, ids[offset : offset + limit])
        ),
        count=lambda: cached["total"],
        page=page,
        per_page=per_page,
        searched=True,
    )


def _rotation_ids(ideas: QuerySet[Idea], *, seed: int, offset: int, limit: int) -> list[int]:
    """Ids ``offset`` to ``offset + limit`` of the rotation order in one query:
    ``(keys >= seed ORDER BY key LIMIT n) UNION ALL (keys < seed ORDER BY key
    LIMIT n)``, each an index-only range scan that stops after ``n`` rows,
    then the page is cut from the at most ``2 n`` rows in (part, key, id) order."""
    end = offset + limit
    base = ideas.order_by()
    after = (
        base.filter(shuffle_key__gte=seed)
        .annotate(part=Value(0))
        .order_by("shuffle_key", "pk")
        .values_list("part", "shuffle_key", "pk")[:end]
    )
    before = (
        base.filter(shuffle_key__lt=seed)
        .annotate(part=Value(1))
        .order_by("shuffle_key", "pk")
        .values_list("part", "shuffle_key", "pk")[:end]
    )
    rows = after.union(before, all=True).order_by("part", "shuffle_key", "pk")[offset:end]
    return [pk for _part, _key, pk in rows]


def _list_key(kind: str, filters: dict[str, Any], text: str) -> str:
    """A cache key naming a list: city, challenge, filters and the query."""
    category, district = filters["category"], filters["district"]
    digest = hashlib.sha256(text.encode()).hexdigest()[:32] if text else ""
    challenge = filters["challenge"]
    parts = (
        f"ideas:{kind}:v1",
        challenge.city_id,
        challenge.pk,
        getattr(category, "pk", category) or "",
        getattr(district, "pk", district) or "",
        filters["status"] or "",
        digest,
    )
    return ":".join(str(part) for part in parts)


def challenge_filter_options(challenge: Challenge) -> tuple[list[Category], list[District]]:
    """The categories and districts a challenge offers; all of the city's
    when the challenge names none (as ``services.submission._check_idea_fields`` does)."""
    categories = list(
        Category.objects.annotate(
            linked=Exists(
                ChallengeCategory.objects.filter(
                    challenge_id=challenge.pk, category_id=OuterRef("pk")
                )
            )
        )
    )
    districts = list(
        District.objects.annotate(
            linked=Exists(
                ChallengeDistrict.objects.filter(
                    challenge_id=challenge.pk, district_id=OuterRef("pk")
                )
            )
        )
    )
    if any(c.linked for c in categories):
        categories = [c for c in categories if c.linked]
    if any(d.linked for d in districts):
        districts = [d for d in districts if d.linked]
    offered: tuple[list[Category], list[District]] = (list(categories), list(districts))
    return offered
