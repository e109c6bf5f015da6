"""``/healthz`` for load balancers and docker compose, on any host.

It sits before the city middleware: probes use an IP or an internal name as
Host, which is no city's domain, and it never calls ``request.get_host()``, so
``ALLOWED_HOSTS`` does not apply either. ``SECURE_REDIRECT_EXEMPT`` keeps it
on plain HTTP inside the deployment network (SecurityMiddleware runs first).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from civicideas.ops.health import check_database, check_redis

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer ``/healthz`` with 200 when PostgreSQL and Redis answer, else 503.

    The body names each dependency (``{"database": "ok", "redis": "down",
    ...}``) so whoever is paged knows which one to look at.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        checks = {"database": check_database(), "redis": check_redis()}
        down = sorted(name for name, error in checks.items() if error)
        body = {name: ("down" if error else "ok") for name, error in checks.items()}
        body["status"] = "ok" if not down else f"unavailable: {', '.join(down)}"
        response = JsonResponse(body, status=503 if down else 200)
        response["Cache-Control"] = "no-store"
        return response
