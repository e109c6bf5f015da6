"""Limits on failed token requests (password guessing through the API).

REST framework's throttles count every request; guessing is about failures,
so these counters go up only when a password is refused — per client IP and
per email address (so spreading guesses over many addresses from one IP, or
over many IPs against one address, both hit a limit). Counters live in the
Redis cache and expire after ``API_TOKEN_FAILURE_WINDOW`` seconds.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

PREFIX = "api-token-fail"


def _keys(request: Request, email: str) -> tuple[str, str]:
    ident = BaseThrottle().get_ident(request)
    digest = hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()
    return f"{PREFIX}:ip:{ident}", f"{PREFIX}:email:{digest}"


def too_many_failures(request: Request, email: str) -> bool:
    limit = settings.API_TOKEN_FAILURE_LIMIT
    counts = cache.get_many(_keys(request, email))
    return any(int(count) >= limit for count in counts.values())


def record_failure(request: Request, email: str) -> None:
    window = settings.API_TOKEN_FAILURE_WINDOW
    for key in _keys(request, email):
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def clear_email_failures(request: Request, email: str) -> None:
    """A correct password clears the address's counter (not the IP's)."""
    cache.delete(_keys(request, email)[1])
