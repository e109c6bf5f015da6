"""API benchmark: the ideas list (page 1 and a deep cursor page) and the
open-data CSV of all the city's ideas, next to a trivial baseline.

``run(stdout)`` measures the city with the most ideas (the 100,000-idea
bench city when ``make bench`` has seeded it) through Django's test client,
in process: median and p95 times, queries per request, and the export's
peak Python memory (tracemalloc) — which must not depend on the number of
rows (``civicideas.api.opendata`` streams from a server-side cursor).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicideas.api.pagination import CURSOR_SALT, KeysetPagination, _jsonable
from civicideas.tenancy.context import all_cities_context, city_context
from civicideas.tenancy.models import City, Domain
from ideas.models import Challenge, Idea
from ideas.selectors import idea_list

NOISE = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def _city() -> City:
    with all_cities_context():
        row = (
            Idea.objects.values("challenge_id", "city_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if row is None:
            raise RuntimeError("No ideas to measure: seed a city first.")
        return City.objects.get(pk=row["city_id"])


def _host(city: City) -> str:
    with all_cities_context():
        domain = Domain.objects.filter(city=city).order_by("-is_primary", "pk").first()
    return domain.hostname if domain else f"{city.slug}.localhost"


def _measure(request: Callable[[], Any], repeat: int) -> tuple[float, float, int, int]:
    """(median ms, p95 ms, queries, status) over ``repeat`` runs after a warm-up."""
    request()
    times: list[float] = []
    queries = status = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = request()
            if getattr(response, "streaming", False):
                for _chunk in response.streaming_content:
                    pass
            times.append((time.perf_counter() - start) * 1000)
        queries = sum(1 for q in captured.captured_queries if not q["sql"].startswith(NOISE))
        status = response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, queries, status


def _deep_cursor(city: City, challenge: Challenge, depth: float = 0.9) -> tuple[str, int]:
    """A signed cursor positioned ``depth`` of the way into the newest-first list."""
    with city_context(city):
        ideas = idea_list(challenge=challenge, sort="newest")
        ordering = KeysetPagination.ordering_of(ideas)
        total = ideas.count()
        offset = max(0, int(total * depth) - 1)
        row = ideas.values(*[o.lstrip("-") for o in ordering])[offset]
    from django.core import signing

    position = [_jsonable(row[o.lstrip("-")]) for o in ordering]
    cursor = signing.dumps({"o": ordering, "p": position}, salt=CURSOR_SALT, compress=True)
    return cursor, offset


def _export_peak(client: Client) -> tuple[int, int]:
    response = client.get("/api/v1/open-data/ideas.csv")
    tracemalloc.start()
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines - 1, peak


def run(stdout: Any, *, city: City | None = None, repeat: int = 20) -> list[tuple[str, str]]:
    """Measure and print a table; returns (label, figures) rows."""
    city = city or _city()
    with city_context(city):
        challenge = Challenge.objects.annotate(n=Count("ideas")).order_by("-n", "pk").first()
        total = Idea.objects.count()
    client = Client(HTTP_HOST=_host(city))
    base = f"/api/v1/ideas/?challenge={challenge.pk}&sort=newest"
    cursor, depth = _deep_cursor(city, challenge)
    cases: list[tuple[str, Callable[[], Any], int]] = [
        (
            "baseline: districts, 1 row",
            lambda: client.get("/api/v1/districts/?page_size=1"),
            repeat,
        ),
        ("ideas list, page 1", lambda: client.get(base), repeat),
        (
            f"ideas list, cursor at row {depth:,}",
            lambda: client.get(f"{base}&{urlencode({'cursor': cursor})}"),
            repeat,
        ),
        (
            f"open data ideas.csv ({total:,} ideas)",
            lambda: client.get("/api/v1/open-data/ideas.csv"),
            max(3, repeat // 10),
        ),
    ]
    rows: list[tuple[str, str]] = []
    baseline = None
    for label, request, times in cases:
        median, p95, queries, status = _measure(request, times)
        baseline = baseline or median
        ratio = f" ({median / baseline:.1f}x baseline)" if baseline else ""
        rows.append(
            (
                label,
                f"median {median:.1f} ms, p95 {p95:.1f} ms{ratio}, "
                f"{queries} queries, HTTP {status}",
            )
        )
    lines, peak = _export_peak(client)
    rows.append(("export peak memory", f"{peak / 1024:.0f} KiB for {lines:,} rows"))
    width = max(len(label) for label, _ in rows)
    stdout.write(f"\nAPI benchmark ({city.slug}, {total:,} ideas)\n")
    for label, figures in rows:
        stdout.write(f"  {label:<{width}}  {figures}\n")
    return rows
