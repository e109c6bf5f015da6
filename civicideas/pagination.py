"""Pages of a list for server-rendered pages, shared by every app.

``paginate`` cuts a queryset into LIMIT/OFFSET pages whose total is a
separate, optionally cached, ``COUNT(*)``; ``page_of`` does the same for
any ``fetch(offset, limit)`` (the challenge page's index-served rotation).
A ``ResultPage`` is what the templates' pager reads. The cache helpers
tolerate Redis being down: a display figure is not worth a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from redis.exceptions import RedisError

#: How long a list's total and the home page's counts are reused, in seconds.
#: They are only displayed ("124 ideas", "page 3 of 7"): counting 100,000
#: ideas on every page view cost more than the page itself, and a figure up
#: to half a minute old is as good to a visitor. What a page lists, and
#: whether it has a next page, is always read fresh.
COUNT_CACHE_SECONDS = 30

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultPage:
    """One page of a list and the list's total.

    ``more`` is whether a row follows this page, read with the page itself
    (one row past its end), so the "next" link is right even while
    ``total`` is a cached figure a few seconds old; ``total`` is corrected
    to agree with what the page saw.
    """

    items: list[Any]
    number: int
    per_page: int
    total: int
    more: bool | None = None
    searched: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        if self.more is not None:
            return self.more
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


def cached_count(queryset: QuerySet, key: str, *, timeout: int = COUNT_CACHE_SECONDS) -> int:
    """``queryset.count()``, reused for ``timeout`` seconds under ``key``.

    The key must name everything the count depends on (city, list, filters,
    query). Redis being down only costs the count query: a display figure
    is not worth failing the page for.
    """
    value = cache_get(key)
    if isinstance(value, int):
        return value
    value = queryset.order_by().count()
    cache_set(key, value, timeout)
    return value


def page_of(
    *,
    fetch: Callable[[int, int], list[Any]],
    count: Callable[[], int],
    page: int,
    per_page: int,
    searched: bool = False,
) -> ResultPage:
    """A page from ``fetch(offset, limit)`` (one row more than the page, to
    know whether another follows) and a total from ``count()``, asked only
    when the page itself does not tell it: a short list's first page, or the
    last page, know the exact total already."""
    number = max(1, page)
    offset = (number - 1) * per_page
    rows = fetch(offset, per_page + 1)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not more and (rows or offset == 0):
        total = offset + len(rows)
    elif rows:
        # At least what this page saw, whatever a cached figure says.
        total = max(count(), offset + len(rows) + 1)
    else:  # past the end: the page links back to the first page
        total = count()
    return ResultPage(
        items=rows, number=number, per_page=per_page, total=total, more=more, searched=searched
    )


def paginate(
    queryset: QuerySet,
    *,
    page: int,
    per_page: int = 20,
    count_key: str | None = None,
    narrow: bool = False,
) -> ResultPage:
    """One page of ``queryset`` with LIMIT/OFFSET, and its total; with
    ``narrow``, the page's rows are chosen on their ids first (for sorts no
    index serves; the queryset must not be DISTINCT or grouped).

    The total is a separate ``COUNT(*)``, cached under ``count_key`` when one
    is given (see ``cached_count``), and skipped when the page shows it.
    An earlier version counted in the page query with ``COUNT(*) OVER ()``:
    the window needs every matching row before LIMIT applies, so every page,
    even the first, read and sorted the whole list (0.3-0.8 s at 100,000
    ideas) instead of stopping after the page through an ordered index.
    """

    def count() -> int:
        if count_key is None:
            return queryset.order_by().count()
        return cached_count(queryset, count_key)

    def fetch(offset: int, limit: int) -> list[Any]:
        if not narrow:
            return list(queryset[offset : offset + limit])
        # The page's ids chosen on narrow rows, then its rows read whole:
        # ``pk IN (SELECT pk … ORDER BY … LIMIT n OFFSET m) ORDER BY …``.
        # Sorted by a computed value no index serves, PostgreSQL otherwise
        # top-N-sorts every matching row with all its columns (long texts,
        # search vectors, joined rows): 20,000 initiatives by best match,
        # 58 ms → see docs/performance.md (issue 17). One query either way.
        ids = queryset.values("pk")[offset : offset + limit]
        return list(queryset.filter(pk__in=ids))

    return page_of(
        fetch=fetch,
        count=count,
        page=page,
        per_page=per_page,
    )


def cache_get(key: str) -> Any:
    """``cache.get(key)``, or ``None`` while Redis is down: a cached figure
    is not worth failing a page for."""
    try:
        return cache.get(key)
    except RedisError:
        logger.warning("cache unavailable, reading without it", exc_info=True)
        return None


def cache_set(key: str, value: Any, timeout: int) -> None:
    """``cache.set``, skipped (and logged) while Redis is down."""
    try:
        cache.set(key, value, timeout)
    except RedisError:
        logger.warning("cache unavailable, value not stored", exc_info=True)
