"""Prometheus metrics, and the ``/metrics`` endpoint that exposes them.

Two kinds of metrics (docs/operations.md, "Metrics"):

* **Counted where they happen**, in each process: requests by route, method
  and status with their latency and query count (``request_log``), page cache
  hits and misses (``web.page_cache``), deliveries by outcome
  (``notifications.delivery``), match recompute durations
  (``sponsors.matching``), task durations (``task_log``). With several
  gunicorn workers each process counts alone, so prometheus-client runs in
  **multiprocess mode** when ``PROMETHEUS_MULTIPROC_DIR`` is set: every process
  writes its values to files there and a scrape adds them up. The directory
  must be empty when the server starts, and a dead worker's files are merged
  by ``mark_process_dead`` (``deploy/gunicorn.conf.py``).
* **Read at scrape time** from the source of truth, so any web process gives
  the same answer: the notification outbox's depth and the age of its oldest
  pending row (one SQL query over all cities) and the length of each Celery
  queue (Redis ``LLEN``). A source that does not answer is reported as
  ``civicideas_metrics_source_up{source=...} 0`` instead of failing the scrape.

``/metrics`` is answered by ``MetricsMiddleware`` on any host (before the
city middleware), only to a request bearing ``Authorization: Bearer
<METRICS_TOKEN>`` (compared in constant time), never cached. Without a
configured token the endpoint does not exist (the site's 404).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
#: Methods kept as label values; anything else a client sends counts as "other".
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# --- counted in each process ------------------------------------------------------------------

REQUESTS = Counter(
    "civicideas_http_requests",
    "HTTP requests answered, by route (URL name), method and status code.",
    ["route", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "civicideas_http_request_duration_seconds",
    "Time to answer a request, by route (URL name).",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUEST_QUERIES = Histogram(
    "civicideas_http_request_queries",
    "Database queries run to answer a request, by route (URL name).",
    ["route"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500),
)
PAGE_CACHE = Counter(
    "civicideas_page_cache_requests",
    "Page cache lookups for anonymous visitors: hit, miss (rendered and stored) or bypass.",
    ["result"],
)
DELIVERIES = Counter(
    "civicideas_notification_deliveries",
    "Notifications handled by delivery, by outcome (sent, failed, retry, digest, skipped).",
    ["outcome"],
)
MATCH_RECOMPUTE_DURATION = Histogram(
    "civicideas_match_recompute_duration_seconds",
    "Time of one sponsor/initiative match recompute, by scope (sponsors, initiative).",
    ["scope"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
TASK_DURATION = Histogram(
    "civicideas_celery_task_duration_seconds",
    "Time a Celery task ran, by task name and final state.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0),
)


def observe_request(*, method: str, route: str, status: int, duration: float, queries: int) -> None:
    """Count one answered request (called by ``RequestLogMiddleware``)."""
    method = method if method in KNOWN_METHODS else "other"
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    REQUEST_DURATION.labels(route=route).observe(duration)
    REQUEST_QUERIES.labels(route=route).observe(queries)


# --- read at scrape time ---------------------------------------------------------------------


def outbox_state() -> tuple[int, float]:
    """(pending notifications, age in seconds of the oldest) over all cities,
    in one query. Raises when the database does not answer."""
    from django.db.models import Count, Min

    from civicideas.notifications.models import Notification
    from civicideas.tenancy.context import all_cities_context

    with all_cities_context():
        row = Notification.objects.filter(state=Notification.State.PENDING).aggregate(
            pending=Count("pk"), oldest=Min("created_at")
        )
    oldest = row["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
    return row["pending"], max(age, 0.0)


def queue_names() -> list[str]:
    """The Celery queues workers consume: the default one plus any declared
    in ``task_queues`` or named by ``task_routes``."""
    from civicideas.celery import app

    names = {app.conf.task_default_queue}
    names.update(queue.name for queue in app.conf.task_queues or ())
    routes = app.conf.task_routes
    if isinstance(routes, dict):
        names.update(
            route["queue"]
            for route in routes.values()
            if isinstance(route, dict) and isinstance(route.get("queue"), str)
        )
    return sorted(names)


def queue_lengths(url: str, names: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each queue of a Redis broker: ``LLEN`` of the
    queue's list and of its priority lists (kombu keeps priorities 3, 6 and 9
    under ``<queue>\\x06\\x16<priority>``). ``url`` is a Redis URL, plain or
    ``sentinel://`` (read on the master). Raises when Redis does not answer."""
    from kombu.transport.redis import PRIORITY_STEPS, Channel

    from civicideas.ops.redis_urls import connect

    with connect(url, timeout=1) as client:
        names = list(names)
        pipe = client.pipeline(transaction=False)
        for name in names:
            for step in PRIORITY_STEPS:
                pipe.llen(f"{name}{Channel.sep}{step}" if step else name)
        sizes = pipe.execute()
    steps = len(PRIORITY_STEPS)
    return {name: sum(sizes[i * steps : (i + 1) * steps]) for i, name in enumerate(names)}


class ScrapeTimeCollector:
    """The metrics read from their source at each scrape (module docstring)."""

    def describe(self) -> list[Metric]:
        return []  # computed at collect time only

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "civicideas_metrics_source_up",
            "Whether a scrape-time source answered (database, broker).",
            labels=["source"],
        )
        try:
            pending, age = outbox_state()
        except Exception:  # a scrape must not fail because of one source
            logger.warning("metrics: the notification outbox could not be read", exc_info=True)
            up.add_metric(["database"], 0)
        else:
            up.add_metric(["database"], 1)
            yield GaugeMetricFamily(
                "civicideas_notification_outbox_pending",
                "Notifications waiting to be delivered (state pending), all cities.",
                value=pending,
            )
            yield GaugeMetricFamily(
                "civicideas_notification_outbox_oldest_pending_age_seconds",
                "Age of the oldest pending notification (0 when none is pending).",
                value=age,
            )
        from civicideas.ops.health import broker_redis_url

        broker = broker_redis_url()
        if broker:
            try:
                lengths = queue_lengths(broker, queue_names())
            except Exception:
                logger.warning("metrics: the Celery queues could not be read", exc_info=True)
                up.add_metric(["broker"], 0)
            else:
                up.add_metric(["broker"], 1)
                family = GaugeMetricFamily(
                    "civicideas_celery_queue_length",
                    "Messages waiting in a Celery queue (not yet taken by a worker).",
                    labels=["queue"],
                )
                for name, length in lengths.items():
                    family.add_metric([name], length)
                yield family
        yield up


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def empty_multiprocess_dir() -> None:
    """Remove the metric files of earlier runs (a restarted container keeps
    its files; a new process reusing an old pid would add to its values).
    Call once per host process group before any metric is written: gunicorn's
    ``on_starting``, Celery's ``worker_init``."""
    directory = multiprocess_dir()
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def exposition() -> bytes:
    """Every metric in Prometheus' text format: the processes' own (summed
    over all processes in multiprocess mode) then the scrape-time ones."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(ScrapeTimeCollector())
    return counted + generate_latest(scraped)


# --- the endpoint --------------------------------------------------------------------------------


def is_authorised(request: HttpRequest, token: str) -> bool:
    """Whether ``request`` carries ``Authorization: Bearer <token>``; the
    comparison takes the same time whatever the mismatch."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8")
    )


class MetricsMiddleware:
    """Answer ``/metrics`` (see the module docstring). Placed before the city
    middleware so it needs no city, and after ``RequestLogMiddleware`` so a
    scrape gets a request id like any request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = getattr(settings, "METRICS_TOKEN", "")
        if request.path != METRICS_PATH or not token:
            # Without a token there is no endpoint: the site's own 404.
            return self.get_response(request)
        if not is_authorised(request, token):
            response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        elif request.method not in {"GET", "HEAD"}:
            response = HttpResponse(status=405)
            response["Allow"] = "GET, HEAD"
        else:
            response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
        response["Cache-Control"] = "no-store"
        return response


# --- Celery workers -----------------------------------------------------------------------------


def start_worker_exporter(port: int, address: str = "127.0.0.1") -> Any:
    """Serve this worker host's metrics on ``address:port`` (the worker's
    counters: deliveries, match recomputes, task durations) in a daemon
    thread; returns the server (``shutdown()`` stops it). Celery workers
    answer no HTTP, so a worker exposes its own metrics on a port of its
    own, reachable only inside the deployment network (no token: bind it to
    a private address). Called on ``worker_ready`` when
    ``CELERY_METRICS_PORT`` is set (``task_log``)."""
    from prometheus_client import start_http_server

    registry = REGISTRY
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    server, _thread = start_http_server(port, addr=address, registry=registry)
    return server
