"""What a page shows: the stored figures, or a refresh on its way.

``statistics_for`` never scans in a request while the broker is up: it
reads the cache or the city's row (``store.statistics_read``); stale
figures are shown while one refresh is queued; with no figures at all it
queues one refresh and returns ``None`` (the page says the figures are
being prepared). Only when the task cannot be queued (no broker) and the
city has no figures does the request compute, once, under the lock; the
others meanwhile see "being prepared" rather than all scanning at once.

This module sits above ``tasks`` (it queues them), which sits above
``store``: no import circle.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

from civicideas.statistics.store import (
    LOCK_SECONDS,
    lock_key,
    snapshots,
    statistics_read,
    statistics_refresh,
)
from civicideas.statistics.tasks import refresh_city
from civicideas.tenancy.context import all_cities_context
from civicideas.tenancy.models import City

logger = logging.getLogger(__name__)


def statistics_for(city: City) -> dict[str, Any] | None:
    """The city's figures (inside the city's context), or ``None`` while
    its first figures are being computed in the background."""
    read = statistics_read(city)
    if read.payload is not None:
        if read.stale:
            _queue_refresh(city.pk)  # without a broker, stale figures still beat a scan
        return read.payload
    if _queue_refresh(city.pk):
        return None
    try:  # No figures and no broker: this request holds the lock, so computes.
        return statistics_refresh(city=city)
    finally:
        cache.delete(lock_key(city.pk))


def platform_statistics(cities: list[City]) -> dict[int, dict[str, Any]]:
    """The figures of ``cities`` by city id, read in one query at most (the
    platform's comparison); a city without figures is left out and one
    refresh is queued for it (never computed here, broker or not)."""
    with all_cities_context():
        found = snapshots(cities)
    for city in cities:
        if city.pk not in found and not _queue_refresh(city.pk):
            cache.delete(lock_key(city.pk))
    return found


def _queue_refresh(city_id: int) -> bool:
    """Queue one refresh of the city. True when one is on its way (queued
    now, or the lock shows another request queued it); False when the
    broker refused: the caller then holds the lock."""
    if not cache.add(lock_key(city_id), 1, LOCK_SECONDS):
        return True
    try:
        refresh_city.delay(city_id)
    except Exception:  # any broker outage
        logger.warning("statistics: cannot queue the refresh of city %s", city_id, exc_info=True)
        return False
    return True
