"""One log line and one set of metrics per request, with its request id.

``RequestLogMiddleware`` sits just inside the security-header middlewares,
so it sees every request, including the ones answered early further in
(static files, ``/healthz``, ``/metrics``, an unknown host's 404) and the 503
of a database outage. For each request it

* takes the request id from ``X-Request-ID`` when it is a sane token (set by
  the load balancer, or by a client that wants to quote it in a bug report),
  else generates one, and returns it in the response's ``X-Request-ID``;
* counts the database queries with a connection ``execute_wrapper`` (one
  integer increment per query; works without ``DEBUG``, unlike
  ``connection.queries``);
* writes one ``civicideas.request`` line: method, path (never the query
  string, which may carry tokens), route, status, duration in ms and query
  count, plus the request id, city and user id every line of the request gets
  (``civicideas.ops.logs``);
* records the request metrics (``civicideas.ops.metrics``) labelled by route,
  the resolved URL name, never the raw path (unbounded label values would
  exhaust Prometheus).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

from civicideas.ops import logs, metrics

logger = logging.getLogger("civicideas.request")

REQUEST_ID_HEADER = "X-Request-ID"
#: What an incoming request id may look like: a token of letters, digits and
#: ``._:-``, up to 128 characters (UUIDs, hex trace ids, ``Root=``-less AWS ids).
#: Anything else (spaces, quotes, control characters, a 10 kB header) is
#: replaced, so a client cannot forge log structure or bloat every line.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
#: Probes and scrapes come every few seconds; their lines are DEBUG.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
#: Route label of requests that no URL pattern answered.
_ROUTE_LABELS = {"/healthz": "healthz", "/readyz": "readyz", "/metrics": "metrics"}


def request_id_from(request: HttpRequest) -> str:
    """The client's ``X-Request-ID`` if it is a sane token, else a new one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if REQUEST_ID_PATTERN.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def route_of(request: HttpRequest, response: HttpResponse) -> str:
    """A bounded label for what answered: the URL name (``ideas:detail``),
    the view's dotted path for unnamed patterns, or a fixed word."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "<unnamed>"
    if request.path in _ROUTE_LABELS:
        return _ROUTE_LABELS[request.path]
    if getattr(request, "city", None) is None and not getattr(request, "is_platform", True):
        return "<unknown host>"
    if response.status_code == 404:
        return "<not found>"
    if response.status_code < 400:
        return "<static>"  # answered by WhiteNoise before the URL resolver
    return "<unresolved>"


class QueryCounter:
    """A connection ``execute_wrapper`` counting the statements it runs."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestLogMiddleware:
    """Request id, query count, the request's log line and metrics (see the
    module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id
        token = logs.enter_context(logs.LogContext(request_id=request_id, request=request))
        counter = QueryCounter()
        started = time.perf_counter()
        try:
            with ExitStack() as stack:
                for connection in connections.all(initialized_only=False):
                    stack.enter_context(connection.execute_wrapper(counter))
                response = self.get_response(request)
            duration = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            self.record(request, response, duration, counter.count)
            return response
        finally:
            logs.leave_context(token)

    def record(
        self, request: HttpRequest, response: HttpResponse, duration: float, queries: int
    ) -> None:
        route = route_of(request, response)
        metrics.observe_request(
            method=request.method or "",
            route=route,
            status=response.status_code,
            duration=duration,
            queries=queries,
        )
        if request.path in QUIET_PATHS:
            level = logging.DEBUG
        elif response.status_code >= 500:
            level = logging.WARNING
        else:
            level = logging.INFO
        if not logger.isEnabledFor(level):
            return
        logger.log(
            level,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path[:500],
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
                "queries": queries,
            },
        )
