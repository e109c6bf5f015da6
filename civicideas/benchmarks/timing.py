"""Server-side time and query count of one request, repeated."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Figure:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    status: int

    def ratio(self, baseline: Figure) -> float:
        return self.median_ms / baseline.median_ms if baseline.median_ms else 0.0


def measure(name: str, request: Callable[[], object], *, repeat: int = 30) -> Figure:
    request()  # warm caches and connections
    queries = 0
    # Counted on requests of their own: capturing queries costs time, more
    # so with server-side binding (the SQL is rebuilt for the log).
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            request()
        queries = max(queries, len(captured.captured_queries))
    durations = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = request()
        durations.append((time.perf_counter() - started) * 1000)
        status = getattr(response, "status_code", 0)
    durations.sort()
    p95 = durations[min(len(durations) - 1, int(len(durations) * 0.95))]
    return Figure(name, statistics.median(durations), p95, queries, status)
