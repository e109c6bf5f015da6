"""The statistics in the cache: a page view reads one key and scans nothing.

The beat task (``civicideas.statistics.tasks``) recomputes every active
city's payload each hour and overwrites the key; the key lives three hours,
so a missed beat or two still serves the last figures. Past that, the last
figures (kept a week) are served while one refresh task is queued. Only
with no figures at all (a new city, a flushed cache) does a request compute:
the first under a lock (``cache.add``), the others waiting for its result
instead of all scanning at once; past ``WAIT_SECONDS`` a waiter computes for
itself rather than fail the page.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache

from civicideas.statistics.compute import VERSION, statistics_compute
from civicideas.tenancy.models import City
from civicideas.web import page_cache

#: The beat refreshes hourly; a key outlives two missed beats.
REFRESH_SECONDS = 60 * 60
TTL_SECONDS = 3 * REFRESH_SECONDS
#: The last figures, served (while one refresh is queued) once the fresh
#: ones have expired: a week, so only a new city's first view computes.
STALE_SECONDS = 7 * 24 * 60 * 60
#: Longer than a miss takes at 100,000 ideas (docs/performance.md).
LOCK_SECONDS = 60
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1


def _key(city_id: int) -> str:
    return f"statistics:v{VERSION}:city:{city_id}"


def statistics_scope(city_id: int | None) -> str:
    """The page-cache scope of a city's statistics page (``None``: the
    platform's comparison)."""
    return f"statistics:{city_id if city_id is not None else 'platform'}"


def _stale_key(city_id: int) -> str:
    return f"{_key(city_id)}:last"


def statistics_refresh(*, city: City) -> dict[str, Any]:
    """Compute ``city``'s figures and store them (inside the city's context);
    the cached pages showing them are rendered afresh."""
    payload = statistics_compute(city=city)
    cache.set(_key(city.pk), payload, TTL_SECONDS)
    cache.set(_stale_key(city.pk), payload, STALE_SECONDS)
    page_cache.bump(statistics_scope(city.pk), statistics_scope(None))
    return payload


def statistics_for(city: City) -> dict[str, Any]:
    """The city's figures: from the cache, else computed once under a lock."""
    key = _key(city.pk)
    payload = cache.get(key)
    if payload is not None:
        return payload
    lock = f"{key}:lock"
    stale = cache.get(_stale_key(city.pk))
    if stale is not None and _refresh_later(city.pk, lock):
        return stale
    if cache.add(lock, 1, LOCK_SECONDS):
        try:
            return statistics_refresh(city=city)
        finally:
            cache.delete(lock)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        payload = cache.get(key)
        if payload is not None:
            return payload
    return statistics_compute(city=city)


def _refresh_later(city_id: int, lock: str) -> bool:
    """Queue one refresh (whoever takes the lock) and serve the last
    figures meanwhile; False when the task cannot be queued (no broker), so
    the caller computes instead."""
    from civicideas.statistics.tasks import refresh_city

    if cache.add(lock, 1, LOCK_SECONDS):
        try:
            refresh_city.delay(city_id)
        except Exception:  # noqa: BLE001 - a broker outage: compute in the request instead
            cache.delete(lock)
            return False
    return True


def statistics_forget(city_id: int) -> None:
    """Drop the cached figures and the pages showing them (tests, the
    benchmark's misses)."""
    cache.delete_many([_key(city_id), _stale_key(city_id)])
    page_cache.bump(statistics_scope(city_id), statistics_scope(None))
