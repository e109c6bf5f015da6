"""Fixed-window counters in the default cache: the one mechanism behind the
password-guess budget (``accounts.guesses``) and the form limits
(``web.ratelimit``).

A window starts at the first count and lasts ``window`` seconds; its end is
kept beside the counter, so a refusal can say how long to wait
(``Retry-After``). The cache falls back to process memory while Redis is
down (``ops.cache``), so counting never raises."""

from __future__ import annotations

import contextlib
import math

from django.core.cache import cache

from civicideas.ops.cache import count_in


def count(key: str, window: int, now: float) -> int:
    """Add one to ``key``'s window (starting one if there is none); the new count.

    One round trip when the cache can count itself (``ResilientRedisCache``,
    the default); plain ``add``/``incr`` otherwise."""
    until = math.ceil(now + window)
    counter = getattr(cache, "count_window", None)
    if counter is not None:
        return counter(key, window, until)
    return count_in(cache, key, window, until)


def uncount(key: str) -> None:
    """Give back one count (an attempt that was refused elsewhere)."""
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)


def retry_after(key: str, window: int, now: float) -> int:
    """Whole seconds until ``key``'s window ends (at least 1)."""
    until = cache.get(f"{key}:until")
    if until is None:
        return window
    return int(min(window, max(1, until - now)) + 0.999)
