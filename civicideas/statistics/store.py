"""The statistics in the cache: a page view reads one key and scans nothing.

The beat task (``civicideas.statistics.tasks``) recomputes every active
city's payload each hour and overwrites the key; the key lives three hours,
so a missed beat or two still serves the last figures. On a miss (new city,
cache flushed) the first request computes under a lock (``cache.add``) and
the others wait for its result instead of all scanning at once; past
``WAIT_SECONDS`` a waiter computes for itself rather than fail the page.
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


def statistics_refresh(*, city: City) -> dict[str, Any]:
    """Compute ``city``'s figures and store them (inside the city's context);
    the cached pages showing them are rendered afresh."""
    payload = statistics_compute(city=city)
    cache.set(_key(city.pk), payload, TTL_SECONDS)
    page_cache.bump(statistics_scope(city.pk), statistics_scope(None))
    return payload


def statistics_for(city: City) -> dict[str, Any]:
    """The city's figures: from the cache, else computed once under a lock."""
    key = _key(city.pk)
    payload = cache.get(key)
    if payload is not None:
        return payload
    lock = f"{key}:lock"
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


def statistics_forget(city_id: int) -> None:
    """Drop the cached figures and the pages showing them (tests, the
    benchmark's misses)."""
    cache.delete(_key(city_id))
    page_cache.bump(statistics_scope(city_id), statistics_scope(None))
