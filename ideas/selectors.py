"""Reads of ideas for pages, the API and other apps.

Every list the public sees starts from ``Idea.objects.public()``, so hidden,
pending and withdrawn ideas never reach a list, a search result or a count;
``Idea.objects.visible_to(user)`` is the queryset twin of
``rules.can_view_idea``. The rules live on ``ideas.models.IdeaQuerySet``;
this module assembles pages from them and caches what is worth caching.
``public_ideas()`` and ``visible_ideas(user)`` are the names other apps call.

Each function returns a lazy queryset (or a small, bounded result) whose
query count does not depend on the number of rows: related rows are joined
(``select_related``) or annotated with subqueries, never fetched per row.

Pages of ideas are read so that their cost does not grow with the number of
ideas either (docs/performance.md): every public order is served by a partial
index (migration ``0003``), a page's ids come from an index-only scan with
LIMIT/OFFSET, and the total count is computed once and reused for a short
while (``civicideas.pagination.COUNT_CACHE_SECONDS``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from civicideas.accounts.models import Profile
from civicideas.pagination import (
    ResultPage,
    cache_get,
    cache_set,
    cached_count,
    page_of,
)
from civicideas.tenancy.context import current_city_or_none
from ideas.models import (
    Category,
    Challenge,
    Comment,
    District,
    Idea,
    IdeaImage,
    StatusChange,
    Support,
)
from ideas.status import PUBLIC_STATUS_LIST, PUBLIC_STATUSES

#: Sort keys offered to visitors. "relevance" only applies with a search query.
SORTS = ("random", "newest", "most_supported", "most_discussed")
SEARCH_SORT = "relevance"
#: Seeds and ``shuffle_key`` share one range: non-negative 31-bit integers.
SEED_MAX = 2**31 - 1
#: The ``random`` order (see ``idea_list``).
ROTATION_ORDER = ("rotation_wrapped", "shuffle_key", "pk")
#: How long the home page's counts are reused, in seconds (the lists'
#: totals: ``civicideas.pagination.COUNT_CACHE_SECONDS``).
HOME_COUNTS_CACHE_SECONDS = 60


def public_ideas() -> QuerySet[Idea]:
    """Ideas everyone may see, in the current city (``IdeaQuerySet.public``)."""
    return Idea.objects.public()


def visible_ideas(user: Any) -> QuerySet[Idea]:
    """The ideas ``user`` may see (``IdeaQuerySet.visible_to``, the twin of
    ``rules.can_view_idea``)."""
    return Idea.objects.visible_to(user)


def with_author_name(queryset: QuerySet, author_field: str = "author") -> QuerySet:
    """Annotate ``author_name``: the author's display name in the current city.

    A correlated subquery in the same SQL statement, so a list of any length
    costs no extra query. ``Profile``'s manager is scoped to the current city.
    """
    names = Profile.objects.filter(user=OuterRef(author_field)).values("display_name")[:1]
    return queryset.annotate(author_name=Subquery(names))


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
    filters = {
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
            ids = list(ideas.values_list("pk", flat=True)[: SEARCH_CACHE_IDS + 1])
            complete = len(ids) <= SEARCH_CACHE_IDS
            cached = {
                "searched": True,
                "ids": ids[:SEARCH_CACHE_IDS],
                "all": complete,
                "total": len(ids) if complete else ideas.order_by().count(),
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


def _ideas_in_order(ideas: QuerySet[Idea], ids: list[int]) -> list[Idea]:
    """The ideas of ``ids`` that ``ideas`` still holds, in the order of ``ids``."""
    if not ids:
        return []
    by_id = {idea.pk: idea for idea in ideas.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def with_thumbnails(ideas: list[Idea]) -> list[Idea]:
    """Set ``idea.thumbnail`` (its first image, or None) on each idea, in one
    query whatever the number of ideas: the cards show it (issue 12)."""
    if not ideas:
        return ideas
    firsts = (
        IdeaImage.objects.filter(idea__in=[idea.pk for idea in ideas])
        .order_by("idea_id", "position", "pk")
        .distinct("idea_id")
    )
    by_idea = {image.idea_id: image for image in firsts}
    for idea in ideas:
        idea.thumbnail = by_idea.get(idea.pk)
    return ideas


def _normalized(query: str) -> str:
    from ideas.search import normalize_query

    return normalize_query(query or "")


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


# --- the city's home page ------------------------------------------------------

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


def challenge_filter_options(challenge: Challenge) -> tuple[list[Category], list[District]]:
    """The categories and districts a challenge offers; all of the city's
    when the challenge names none (as ``services._check_idea_fields`` does)."""
    categories = list(
        Category.objects.annotate(
            linked=Exists(
                Challenge.categories.through.objects.filter(
                    challenge_id=challenge.pk, category_id=OuterRef("pk")
                )
            )
        )
    )
    districts = list(
        District.objects.annotate(
            linked=Exists(
                Challenge.districts.through.objects.filter(
                    challenge_id=challenge.pk, district_id=OuterRef("pk")
                )
            )
        )
    )
    if any(c.linked for c in categories):
        categories = [c for c in categories if c.linked]
    if any(d.linked for d in districts):
        districts = [d for d in districts if d.linked]
    return categories, districts


# --- one idea ---------------------------------------------------------------


def idea_for_page(*, pk: int, user: Any) -> Idea | None:
    """The idea with everything its page shows in one row, or None when the
    person may not see it (missing, other city's, hidden, pending...).

    Adds ``author_name`` and ``supported_by_me``.
    """
    ideas = Idea.objects.visible_to(user).select_related(
        "challenge", "category", "district", "duplicate_of"
    )
    ideas = with_author_name(ideas)
    if user is not None and user.is_authenticated:
        ideas = ideas.annotate(
            supported_by_me=Exists(Support.objects.filter(idea=OuterRef("pk"), user=user))
        )
    else:
        ideas = ideas.annotate(supported_by_me=Value(False))
    return ideas.filter(pk=pk).first()


def idea_comments(idea: Idea, limit: int = 500) -> list[Comment]:
    """Top-level comments with their replies attached as ``thread_replies``.

    One query for the whole thread (bounded by ``limit``); deleted and hidden
    comments stay in the thread as placeholders so replies keep their place.
    """
    comments = list(
        with_author_name(Comment.objects.filter(idea=idea)).order_by("created_at", "pk")[:limit]
    )
    by_id = {c.pk: c for c in comments}
    top: list[Comment] = []
    for comment in comments:
        comment.thread_replies = []
    for comment in comments:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.thread_replies.append(comment)
        elif comment.parent_id is None:
            top.append(comment)
    return top


def idea_timeline(idea: Idea) -> list[StatusChange]:
    """The public status changes, official answers included."""
    return list(StatusChange.objects.filter(idea=idea, is_public=True).order_by("created_at", "pk"))


#: Similar ideas are reused this long (seconds) per challenge and text.
SIMILAR_CACHE_SECONDS = 300


def similar_ideas_cached(
    *, challenge: Challenge, text: str, exclude_id: int | None = None, limit: int = 5
) -> list[Idea]:
    """``ideas.search.similar_ideas``, its ids reused for ``SIMILAR_CACHE_SECONDS``.

    The lookup ranks every idea sharing a word with the text (100-150 ms at
    100,000 ideas when the words are common), while the answer for an idea's
    title, or a title being typed, hardly changes within minutes. The ideas
    are read fresh by id from the public ideas, so one hidden since drops
    out at once.
    """
    from ideas.search import similar_ideas

    text = _normalized(text)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    key = f"ideas:similar:v1:{challenge.city_id}:{challenge.pk}:{exclude_id or ''}:{limit}:{digest}"
    ids = cache_get(key)
    if isinstance(ids, list):
        return _ideas_in_order(Idea.objects.public().in_challenge(challenge), ids)
    found = similar_ideas(challenge=challenge, text=text, exclude_id=exclude_id, limit=limit)
    cache_set(key, [idea.pk for idea in found], SIMILAR_CACHE_SECONDS)
    return found


# --- my participation ----------------------------------------------------------


def my_ideas(user: Any, limit: int = 100) -> list[Idea]:
    return list(
        Idea.objects.filter(author=user)
        .select_related("challenge")
        .order_by("-created_at", "-pk")[:limit]
    )


def my_supports(user: Any, limit: int = 100) -> list[Support]:
    return list(
        Support.objects.filter(user=user, idea__status__in=PUBLIC_STATUS_LIST)
        .select_related("idea", "idea__challenge")
        .order_by("-created_at", "-pk")[:limit]
    )


def my_comments(user: Any, limit: int = 100) -> list[Comment]:
    return list(
        Comment.objects.filter(author=user)
        .exclude(state=Comment.State.DELETED)
        .select_related("idea")
        .order_by("-created_at", "-pk")[:limit]
    )
