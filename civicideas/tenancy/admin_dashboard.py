"""The back office's index as a dashboard: what needs a civil servant today.

Each app declares what counts as "needing action" in its own
``admin_dashboard.py`` and registers it from ``AppConfig.ready`` (as with
notification kinds), so this core module knows no app's models:

* a ``Counter`` is one number (ideas awaiting moderation) with the filtered
  change list it links to;
* an ``ActivitySource`` gives the newest few events of one kind (ideas
  submitted, offers made) for the "recent activity" list.

Both start from the model admin's own queryset (``get_queryset(request)``:
the city's rows this person may see there), so a number is what its list
shows once the link's filter applies, for an evaluator as for a city admin.
``dashboard(request)`` shows a counter or a source only to people whose
admin may view its model, and only on a city's host. It runs one query per
source, and one per counter at most every ``COUNTER_SECONDS``, so the index
costs the same whatever the city's size.

Counting is what cost (issue 17): at 100,000 ideas, the ideas awaiting an
answer (23 ms) and the moderation queue (16 ms) were most of the index's
time. A person's counts in a city are kept for ``COUNTER_SECONDS``, the
staleness the admin lists' totals already accept (``CachedCountPaginator``),
under the city and the person (whose queryset they come from: an
evaluator's assignments are not an admin's) with the permissions they were
counted for. A civil servant's own action shows at once: every admin POST
stamps the person (``note_action``), and counts kept from before their
last stamp are counted again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from redis.exceptions import RedisError

from civicideas.pagination import cache_set
from civicideas.tenancy import admin_nav

logger = logging.getLogger(__name__)

#: Newest events taken from each source, and shown in all.
ACTIVITY_PER_SOURCE = 5
ACTIVITY_SHOWN = 10

#: Seconds a counter's figure is reused: the admin lists' totals' own
#: (``admin_mixins.ADMIN_COUNT_SECONDS``), within the ``PAGE_CACHE_SECONDS``
#: accepted for displayed counts (docs/performance.md).
COUNTER_SECONDS = 30


@dataclass(frozen=True)
class Counter:
    """A number on the dashboard, linking to ``model``'s change list with
    ``filters`` (or to ``url_name``, an admin URL of that model).
    ``queryset(base)`` narrows the model admin's queryset ``base`` to what
    needs action (the twin of ``filters``)."""

    key: str
    label: Any
    model: type[Model]
    queryset: Callable[[QuerySet], QuerySet]
    filters: dict[str, str] = field(default_factory=dict)
    url_name: str = ""
    help_text: Any = ""
    order: int = 100


@dataclass(frozen=True)
class Activity:
    when: datetime
    kind: Any
    text: str
    url: str


@dataclass(frozen=True)
class ActivitySource:
    """``events(base, limit)`` returns the newest ``Activity`` of one kind,
    read from the model admin's queryset ``base``."""

    key: str
    model: type[Model]
    events: Callable[[QuerySet, int], list[Activity]]


@dataclass
class ShownCounter:
    key: str
    label: Any
    count: int
    url: str
    help_text: Any


@dataclass
class Dashboard:
    counters: list[ShownCounter]
    activity: list[Activity]


_counters: dict[str, Counter] = {}
_sources: dict[str, ActivitySource] = {}


def register_counters(*counters: Counter) -> None:
    for counter in counters:
        _counters[counter.key] = counter


def register_activity(*sources: ActivitySource) -> None:
    for source in sources:
        _sources[source.key] = source


def change_url(model: type[Model], pk: Any) -> str:
    """The admin change page of one object (for activity links)."""
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])


def newest(
    rows: QuerySet,
    *,
    model: type[Model],
    kind: Any,
    when: str,
    fields: tuple[str, ...],
    text: Callable[[dict[str, Any]], str],
    limit: int,
) -> list[Activity]:
    """The newest ``limit`` rows as ``Activity``, in one query: ordered by
    ``when``, reading only ``fields``; ``text`` words each row. Every app's
    activity source is this with its own model, kind and words."""
    values = rows.order_by(f"-{when}", "-id").values("pk", when, *fields)[:limit]
    return [
        Activity(when=row[when], kind=kind, text=text(row), url=change_url(model, row["pk"]))
        for row in values
    ]


def _base(site: AdminSite, request: HttpRequest, model: type[Model]) -> QuerySet | None:
    """The model admin's queryset, or None when this person may not see it."""
    model_admin = site._registry.get(model)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        return None
    return model_admin.get_queryset(request)


def _counter_url(counter: Counter) -> str:
    meta = counter.model._meta
    name = counter.url_name or f"admin:{meta.app_label}_{meta.model_name}_changelist"
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(counter.filters)}" if counter.filters else url


def _acted_key(user_pk: Any) -> str:
    return f"admin-acted:{user_pk}"


def note_action(request: HttpRequest) -> None:
    """Stamp that this person just changed something in the admin (a POST),
    so their next dashboard counts afresh what it kept from before."""
    user_pk = getattr(request.user, "pk", None)
    if user_pk is not None:
        # Kept longer than any count, so none from before outlives the stamp.
        cache_set(_acted_key(user_pk), time.time(), 2 * COUNTER_SECONDS)


def _kept_key(city_pk: Any, user_pk: Any) -> str:
    return f"admin-dashboard:{city_pk}:{user_pk}"


def _shown(counter: Counter, count: int) -> ShownCounter:
    return ShownCounter(
        key=counter.key,
        label=counter.label,
        count=count,
        url=_counter_url(counter),
        help_text=counter.help_text,
    )


def _count_all(site: AdminSite, request: HttpRequest) -> list[tuple[str, int]]:
    """(key, figure) of each counter this person may see, counted."""
    counts = []
    for counter in sorted(_counters.values(), key=lambda c: (c.order, c.key)):
        base = _base(site, request, counter.model)
        if base is not None:
            counts.append((counter.key, counter.queryset(base).count()))
    return counts


def _kept_counts(site: AdminSite, request: HttpRequest) -> list[tuple[str, int]]:
    """The counts as kept for this person in this city, unless kept before
    their own last action or for other permissions (``viewer_key``: roles,
    flags, language); else counted and kept. One cache read for the counts
    and the stamp; no counter's queryset is even built when they are kept
    (building and compiling the moderation queue's union cost more than
    reading it)."""
    city_pk = request.city.pk  # type: ignore[attr-defined]
    user_pk = request.user.pk
    key, acted = _kept_key(city_pk, user_pk), _acted_key(user_pk)
    viewer = admin_nav.viewer_key(request)
    try:
        found = cache.get_many([key, acted])
    except RedisError:
        logger.warning("cache unavailable, counting without it", exc_info=True)
        found = {}
    kept = found.get(key)
    since = found.get(acted) or 0.0
    if isinstance(kept, tuple) and kept[0] == viewer and kept[1] >= since:
        return list(kept[2])
    counted_at = time.time()  # before counting: a change made meanwhile recounts
    counts = _count_all(site, request)
    cache_set(key, (viewer, counted_at, counts), COUNTER_SECONDS)
    return counts


def dashboard(site: AdminSite, request: HttpRequest) -> Dashboard | None:
    """The counters and recent activity this person may see, or None off a
    city's host (the platform's all-cities admin has no dashboard)."""
    if getattr(request, "city", None) is None:
        return None
    counters = [
        _shown(_counters[key], count)
        for key, count in _kept_counts(site, request)
        if key in _counters
    ]
    activity: list[Activity] = []
    for source in _sources.values():
        base = _base(site, request, source.model)
        if base is not None:
            activity.extend(source.events(base, ACTIVITY_PER_SOURCE))
    activity.sort(key=lambda a: a.when, reverse=True)
    return Dashboard(counters=counters, activity=activity[:ACTIVITY_SHOWN])
