"""Which city a Host header names.

The lookup runs on every request, so results are kept for a short time in the
process. A change to a city or its domains calls ``forget_hosts()``; other
processes see it within ``HOST_CACHE_SECONDS``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port

from civicideas.tenancy.models import City, Domain

HOST_CACHE_SECONDS = 30
_cache: dict[str, tuple[float, City | None]] = {}


@dataclass(frozen=True)
class HostMatch:
    """What a request's host resolved to: a city, the platform, or nothing."""

    hostname: str
    city: City | None
    is_platform: bool


def normalise_host(request: HttpRequest) -> str:
    """The request's host name: lower case, without port or trailing dot.

    ``get_host`` validates the header's syntax (a bad one raises
    ``DisallowedHost``, answered with 400) and ignores ``X-Forwarded-Host``
    unless ``USE_X_FORWARDED_HOST`` is set.
    """
    domain, _port = split_domain_port(request.get_host())
    return domain.lower().rstrip(".")


def forget_hosts() -> None:
    _cache.clear()


def _lookup(hostname: str) -> City | None:
    # Domain's RLS policy is public-read, so this works before any city is
    # current; the ORM scope is lifted explicitly for the same reason.
    domain = (
        Domain.objects.with_scopes_disabled()
        .select_related("city")
        .filter(hostname=hostname, city__is_active=True)
        .first()
    )
    return domain.city if domain else None


def resolve_hostname(hostname: str) -> HostMatch:
    if hostname == settings.PLATFORM_HOST:
        return HostMatch(hostname, None, True)
    now = time.monotonic()
    cached = _cache.get(hostname)
    if cached and cached[0] > now:
        city = cached[1]
    else:
        city = _lookup(hostname)
        _cache[hostname] = (now + HOST_CACHE_SECONDS, city)
        if len(_cache) > 10_000:  # unbounded junk hosts must not grow memory
            _cache.clear()
    return HostMatch(hostname, city, False)
