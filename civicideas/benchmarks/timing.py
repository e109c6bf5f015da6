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
    durations = []
    queries = 0
    status = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = request()
            durations.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured.captured_queries))
        status = getattr(response, "status_code", 0)
    durations.sort()
    p95 = durations[min(len(durations) - 1, int(len(durations) * 0.95))]
    return Figure(name, statistics.median(durations), p95, queries, status)
