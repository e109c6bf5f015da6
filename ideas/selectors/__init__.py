"""Reads of ideas for pages, the API and other apps.

One module per page family, all re-exported here so callers keep writing
``selectors.challenge_page(...)``: ``common`` (public and visible ideas,
authors' names), ``lists`` (a challenge's list: filters, sorts, the fair
rotation, search pages), ``home`` (the city's home page), ``idea_page``
(one idea's page) and ``participation`` (a person's own ideas, supports and
comments).

Every list the public sees starts from ``Idea.objects.public()``, so hidden,
pending and withdrawn ideas never reach a list, a search result or a count;
``Idea.objects.visible_to(user)`` is the queryset twin of
``rules.can_view_idea``. The rules live on ``ideas.models.IdeaQuerySet``;
this package assembles pages from them and caches what is worth caching.
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

from ideas.selectors.common import public_ideas, visible_ideas, with_author_name, with_thumbnails
from ideas.selectors.home import (
    HOME_COUNTS_CACHE_SECONDS,
    OPEN_PHASES,
    open_challenges,
    participation_counts,
    recent_official_answers,
    top_ideas,
)
from ideas.selectors.idea_page import (
    SIMILAR_CACHE_SECONDS,
    idea_comments,
    idea_for_page,
    idea_for_viewer,
    idea_timeline,
    own_comments,
    similar_ideas_cached,
)
from ideas.selectors.lists import (
    ROTATION_ORDER,
    SEARCH_CACHE_IDS,
    SEARCH_CACHE_SECONDS,
    SEARCH_SORT,
    SEED_MAX,
    SORTS,
    _rotation_ids,
    challenge_filter_options,
    challenge_page,
    idea_list,
    is_search_result,
)
from ideas.selectors.participation import my_comments, my_ideas, my_supports
from ideas.status import PUBLIC_STATUS_LIST

__all__ = [
    "HOME_COUNTS_CACHE_SECONDS",
    "OPEN_PHASES",
    "PUBLIC_STATUS_LIST",
    "ROTATION_ORDER",
    "SEARCH_CACHE_IDS",
    "SEARCH_CACHE_SECONDS",
    "SEARCH_SORT",
    "SEED_MAX",
    "SIMILAR_CACHE_SECONDS",
    "SORTS",
    "_rotation_ids",
    "challenge_filter_options",
    "challenge_page",
    "idea_comments",
    "idea_for_page",
    "idea_for_viewer",
    "idea_list",
    "idea_timeline",
    "is_search_result",
    "my_comments",
    "my_ideas",
    "my_supports",
    "open_challenges",
    "own_comments",
    "participation_counts",
    "public_ideas",
    "recent_official_answers",
    "similar_ideas_cached",
    "top_ideas",
    "visible_ideas",
    "with_author_name",
    "with_thumbnails",
]
