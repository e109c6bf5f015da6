"""Fixed-window counters in the default cache: the one mechanism behind the
password-guess budget (``accounts.guesses``) and the form limits
(``web.ratelimit``).

A window starts at the first count and lasts ``window`` seconds; its end is
kept beside the counter, so a refusal can say how long to wait
(``Retry-After``). The cache falls back to process memory while Redis is
down (``ops.cache``), so counting never raises."""

from __future__ import annotations

import contextlib

from django.core.cache import cache


def count(key: str, window: int, now: float) -> int:
    """Add one to ``key``'s window (starting one if there is none); the new count."""
    cache.add(f"{key}:until", now + window, timeout=window)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=window)
        return 1


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
