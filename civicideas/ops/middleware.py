"""``/healthz`` for load balancers and docker compose, on any host.

It sits before the city middleware: probes use an IP or an internal name as
Host, which is no city's domain.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from civicideas.ops.health import check_database, check_redis


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != "/healthz":
            return self.get_response(request)
        checks = {"database": check_database(), "redis": check_redis()}
        down = sorted(name for name, error in checks.items() if error)
        body = {name: ("down" if error else "ok") for name, error in checks.items()}
        body["status"] = "ok" if not down else f"unavailable: {', '.join(down)}"
        response = JsonResponse(body, status=503 if down else 200)
        response["Cache-Control"] = "no-store"
        return response
