"""Where the statistics are kept: the cache in front, one PostgreSQL row
per city behind it (``models.StatisticsSnapshot``).

Writes: ``statistics_refresh`` (the beat task, a queued refresh, the demo)
computes, then overwrites the city's row and its cache key, and bumps the
page cache of the pages showing them. Reads: ``statistics_read`` tries the
cache, then the row (one indexed query; the payload goes back into the
cache); it never computes. Deciding what to do when there is nothing to
read (queue a refresh) is ``selectors.statistics_for``'s job, which sits
above the tasks: this module imports no task, so ``tasks`` can import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from civicideas.statistics import codec
from civicideas.statistics.compute import VERSION, statistics_compute
from civicideas.statistics.models import StatisticsSnapshot
from civicideas.tenancy.models import City
from civicideas.web import page_cache

#: The beat refreshes hourly; figures older than two missed beats are stale.
REFRESH_SECONDS = 60 * 60
TTL_SECONDS = 3 * REFRESH_SECONDS
#: Stale figures are cached this long while one refresh runs (so a request
#: does not read the row again each time), and the refresh lock lasts as
#: long: longer than a computation at 100,000 ideas (docs/performance.md).
LOCK_SECONDS = 60


@dataclass(frozen=True)
class Read:
    """What ``statistics_read`` found: the figures (``None``: none of this
    payload version) and whether they are older than ``TTL_SECONDS``."""

    payload: dict[str, Any] | None
    stale: bool = False


def _key(city_id: int) -> str:
    return f"statistics:v{VERSION}:city:{city_id}"


def lock_key(city_id: int) -> str:
    """The cache key that lets one refresh of the city through at a time."""
    return f"{_key(city_id)}:lock"


def statistics_scope(city_id: int | None) -> str:
    """The page-cache scope of a city's statistics page (``None``: the
    platform's comparison)."""
    return f"statistics:{city_id if city_id is not None else 'platform'}"


def statistics_refresh(*, city: City) -> dict[str, Any]:
    """Compute ``city``'s figures and store them (inside the city's context):
    the row, the cache, and a bump so the pages showing them are rendered
    afresh. (The cache is written before the row commits: were the row's
    transaction rolled back, the cache would still hold true figures.)"""
    payload = statistics_compute(city=city)
    StatisticsSnapshot.objects.update_or_create(
        city=city,
        defaults={
            "payload": codec.encode(payload),
            "version": VERSION,
            "computed_at": payload["computed_at"],
        },
    )
    _cache_fresh(city.pk, payload)
    return payload


def _cache_fresh(city_id: int, payload: dict[str, Any]) -> None:
    cache.set(_key(city_id), payload, _fresh_for(payload["computed_at"]))
    page_cache.bump(statistics_scope(city_id), statistics_scope(None))


def _fresh_for(computed_at: datetime) -> int:
    """Seconds until figures computed at ``computed_at`` turn stale (≥ 1)."""
    left = computed_at + timedelta(seconds=TTL_SECONDS) - timezone.now()
    return max(1, int(left.total_seconds()))


def statistics_read(city: City) -> Read:
    """The city's figures from the cache, else from its row (inside the
    city's context). Never computes."""
    payload = cache.get(_key(city.pk))
    if payload is not None:
        return Read(payload)
    row = (
        StatisticsSnapshot.objects.filter(city=city, version=VERSION)
        .values_list("payload", flat=True)
        .first()
    )
    if row is None:
        return Read(None)
    return remember(city.pk, codec.decode(row))


def remember(city_id: int, payload: dict[str, Any]) -> Read:
    """Put figures read from a row back into the cache: until they turn
    stale, or for ``LOCK_SECONDS`` when they already are (a refresh is then
    due, and its result replaces them)."""
    left = _fresh_for(payload["computed_at"])
    stale = left <= 1
    cache.set(_key(city_id), payload, LOCK_SECONDS if stale else left)
    return Read(payload, stale=stale)


def snapshots(cities: list[City]) -> dict[int, dict[str, Any]]:
    """The figures of several cities (the platform's comparison): one
    ``cache.get_many``, then one query for the cities it missed (call inside
    ``all_cities_context``). Cities with no figures are left out."""
    keys = {_key(city.pk): city.pk for city in cities}
    found = {keys[key]: payload for key, payload in cache.get_many(list(keys)).items()}
    missing = [pk for pk in keys.values() if pk not in found]
    if missing:
        rows = StatisticsSnapshot.objects.filter(city_id__in=missing, version=VERSION)
        for city_id, payload in rows.values_list("city_id", "payload"):
            found[city_id] = remember(city_id, codec.decode(payload)).payload
    return found


def statistics_forget(city_id: int, *, keep_snapshot: bool = True) -> None:
    """Drop the cached figures and the pages showing them (tests, the
    benchmark's misses); with ``keep_snapshot=False`` the city's row too
    (inside the city's context), as for a city that never had figures."""
    cache.delete_many([_key(city_id), lock_key(city_id)])
    if not keep_snapshot:
        StatisticsSnapshot.objects.filter(city_id=city_id).delete()
    page_cache.bump(statistics_scope(city_id), statistics_scope(None))
