"""``/healthz`` (liveness) and ``/readyz`` (readiness), on any host.

It sits before the city middleware: probes use an IP or an internal name as
Host, which is no city's domain, and it never calls ``request.get_host()``, so
``ALLOWED_HOSTS`` does not apply either. ``SECURE_REDIRECT_EXEMPT`` keeps both
on plain HTTP inside the deployment network (SecurityMiddleware runs first).

What each part's absence means (docs/operations.md):

* **database** down: nothing can be served (pages and the API answer 503);
  both endpoints answer 503.
* **redis** (the cache) or the **broker** down: the platform keeps working,
  degraded: limits are counted per process (``ops.cache``), the page cache is
  bypassed, notifications wait in the outbox. Both endpoints stay 200 and say
  ``degraded: redis`` — a load balancer must not take every web node out
  because of Redis.
* **storage** (uploads) unreachable: pages render (an object store's URLs
  are signed locally), but uploads fail and images may not load. Only
  ``/readyz`` checks it, and says ``degraded: storage`` with a 200, for the
  same reason.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from civicideas.ops.health import check_broker, check_database, check_redis, check_storage

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
#: Parts without which no request can be answered.
ESSENTIAL = frozenset({"database"})


def health_report(checks: dict[str, str | None]) -> tuple[int, dict[str, str]]:
    """The status code and body for the results of ``checks`` (name → reason)."""
    down = sorted(name for name, error in checks.items() if error)
    body = {name: ("down" if error else "ok") for name, error in checks.items()}
    essential_down = [name for name in down if name in ESSENTIAL]
    if essential_down:
        body["status"] = f"unavailable: {', '.join(down)}"
    elif down:
        body["status"] = f"degraded: {', '.join(down)}"
    else:
        body["status"] = "ok"
    return (503 if essential_down else 200), body


class HealthCheckMiddleware:
    """Answer ``/healthz`` and ``/readyz`` with each part's state.

    ``/healthz`` checks the database and the cache; ``/readyz`` reports every
    part the web process relies on (database, cache, Celery broker, upload
    storage). Both
    answer 503 only when the database is down, and name what is down or
    degraded so whoever is paged knows which one to look at.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH:
            checks = {"database": check_database(), "redis": check_redis()}
        elif request.path == READY_PATH:
            checks = {
                "database": check_database(),
                "redis": check_redis(),
                "broker": check_broker(),
                "storage": check_storage(),
            }
        else:
            return self.get_response(request)
        status, body = health_report(checks)
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        return response
