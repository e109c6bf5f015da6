"""Reads of ideas for pages, the API and other apps.

Every list the public sees starts from ``public_ideas()``, so hidden, pending
and withdrawn ideas never reach a list, a search result or a count.
``visible_ideas(user)`` is the queryset twin of ``rules.can_view_idea``.

Each function returns a lazy queryset (or a small, bounded result) whose
query count does not depend on the number of rows: related rows are joined
(``select_related``) or annotated with subqueries, never fetched per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce

from civicideas.accounts.models import Profile
from civicideas.tenancy.permissions import is_city_moderator
from ideas.models import Category, Challenge, Comment, District, Idea, StatusChange, Support
from ideas.status import PUBLIC_STATUSES

#: Sort keys offered to visitors. "relevance" only applies with a search query.
SORTS = ("random", "newest", "most_supported", "most_discussed")
SEARCH_SORT = "relevance"
#: 31 bits: XOR with a non-negative ``shuffle_key`` stays non-negative.
SEED_MAX = 2**31 - 1


def public_ideas() -> QuerySet[Idea]:
    """Ideas everyone may see, in the current city."""
    return Idea.objects.filter(status__in=PUBLIC_STATUSES)


def visible_ideas(user: Any) -> QuerySet[Idea]:
    """Twin of ``rules.can_view_idea``: public ideas, plus the person's own
    ideas whatever their status, plus everything for the city's moderators."""
    if user is None or not user.is_authenticated or not user.is_active:
        return public_ideas()
    if is_city_moderator(user):
        return Idea.objects.all()
    return Idea.objects.filter(Q(status__in=PUBLIC_STATUSES) | Q(author=user))


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

    ``random`` orders by PostgreSQL's seeded integer hash of ``shuffle_key``
    (``hashint4extended(shuffle_key, seed)``): each visitor (seed) gets a
    different order that stays the same from page to page, and no idea is
    favoured by its age or position. A plain ``shuffle_key XOR seed`` was
    tried first and dropped: ideas with close keys stay neighbours under
    every seed, so the "shuffle" barely changes between visitors. The hash
    is one cheap function call per row over the challenge's public ideas,
    found through ``idea_shuffle_idx``; the sort itself is a top-N heap sort
    (no index can serve an order that differs per visitor).
    ``relevance`` keeps the ranking of ``ideas.search``.
    """
    ideas = public_ideas().filter(challenge=challenge)
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
    seed = int(seed) & SEED_MAX
    shuffled = Func(
        F("shuffle_key"), Value(seed), function="hashint4extended", output_field=BigIntegerField()
    )
    return ideas.annotate(shuffled=shuffled).order_by("shuffled", "pk")


def is_search_result(ideas: QuerySet[Idea]) -> bool:
    """Whether ``search_ideas`` filtered the list (a query of stop words only
    leaves it unchanged, and the page says so)."""
    return "search_rank" in ideas.query.annotations


@dataclass(frozen=True)
class ResultPage:
    """One page of a list, with the total count from the same query."""

    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0


def paginate(queryset: QuerySet, *, page: int, per_page: int = 20) -> ResultPage:
    """Fetch one page and the total number of rows in a single query.

    ``COUNT(*) OVER ()`` is computed before ``LIMIT``, so Django's separate
    ``COUNT`` query is not needed. A page past the end (no rows, so no total)
    costs one more, cheap query for the count.
    """
    page = max(1, page)
    offset = (page - 1) * per_page
    rows = list(queryset.annotate(_total=Window(Count("*")))[offset : offset + per_page])
    total = rows[0]._total if rows else (queryset.count() if page > 1 else 0)
    return ResultPage(items=rows, number=page, per_page=per_page, total=total)


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
    return list(
        public_ideas()
        .exclude(challenge__phase=Challenge.Phase.DRAFT)
        .select_related("challenge", "category", "district")
        .order_by(*order)[:limit]
    )


def recent_official_answers(limit: int = 5) -> list[StatusChange]:
    """ "What we did with your ideas": the latest public official answers on
    ideas the public can still see."""
    return list(
        StatusChange.objects.filter(
            is_official=True, is_public=True, idea__status__in=PUBLIC_STATUSES
        )
        .select_related("idea")
        .order_by("-created_at", "-pk")[:limit]
    )


def participation_counts() -> dict[str, int]:
    """Public ideas, their supports and comments, from the denormalised
    counters: one aggregate over the ideas, whatever the number of supports."""
    totals = public_ideas().aggregate(
        ideas=Count("pk"),
        supports=Coalesce(Sum("support_count"), 0),
        comments=Coalesce(Sum("comment_count"), 0),
    )
    return {key: int(value or 0) for key, value in totals.items()}


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
    ideas = visible_ideas(user).select_related("challenge", "category", "district", "duplicate_of")
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


# --- my participation ----------------------------------------------------------


def my_ideas(user: Any, limit: int = 100) -> list[Idea]:
    return list(
        Idea.objects.filter(author=user)
        .select_related("challenge")
        .order_by("-created_at", "-pk")[:limit]
    )


def my_supports(user: Any, limit: int = 100) -> list[Support]:
    return list(
        Support.objects.filter(user=user, idea__status__in=PUBLIC_STATUSES)
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
