"""The shuffle seed of the challenge page's random order.

A signed-in visitor keeps a seed in the session, so the order stays the same
from page to page. Anonymous visitors share one of ``SEED_BUCKETS`` seeds of
the day, kept in a cookie, so the anonymous page cache holds only a few
variants of a random list (``challenge_variant``). The order itself is
``ideas.selectors.idea_list``'s rotation.
"""

from __future__ import annotations

import hashlib
import random

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from civicideas import inputs
from civicideas.web import page_cache
from ideas import selectors

SEED_SESSION_KEY = "ideas_seed"
#: Anonymous visitors share a few shuffle seeds, so the cached variants of a
#: random list stay few (see ``bucket_seed``).
SEED_COOKIE = "ideas_seed"
SEED_BUCKETS = 16
SEED_COOKIE_DAYS = 2
#: Sorts that do not use the seed: their cached pages need no seed variant.
UNSEEDED_SORTS = ("newest", "most_supported", "most_discussed")


def visitor_seed(request: HttpRequest) -> int:
    """The visitor's shuffle seed, kept in the session so the random order
    stays the same from page to page (and on coming back to the list).
    Anonymous visitors get a shared bucket's seed instead (no session)."""
    if not request.user.is_authenticated:
        return bucket_seed(request)
    seed = request.session.get(SEED_SESSION_KEY)
    if not isinstance(seed, int):
        seed = random.randint(1, selectors.SEED_MAX)  # noqa: S311 - fairness, not security
        request.session[SEED_SESSION_KEY] = seed
    return seed


def bucket_seed(request: HttpRequest) -> int:
    """An anonymous visitor's seed: one of ``SEED_BUCKETS`` seeds of the day.

    The cookie holds ``<day>.<bucket>``, chosen at random on the first visit
    and kept for ``SEED_COOKIE_DAYS`` days, so the order stays stable from
    page to page without a session, and the challenge page has only a few
    cached variants. The seeds are derived from the day, so over time every
    idea gets its turn at the top of some anonymous visitor's list (fixed
    seeds would favour the same few hundred ideas forever).
    """
    cached = getattr(request, "_ideas_bucket_seed", None)
    if cached is not None:
        return cached
    today = timezone.now().date().toordinal()
    raw_day, _dot, raw_bucket = request.COOKIES.get(SEED_COOKIE, "").partition(".")
    day = inputs.parse_int(raw_day, minimum=today - SEED_COOKIE_DAYS + 1, maximum=today)
    bucket = inputs.parse_int(raw_bucket, minimum=0, maximum=SEED_BUCKETS - 1)
    if day is None or bucket is None:
        day, bucket = today, random.randrange(SEED_BUCKETS)  # noqa: S311
        page_cache.set_cookie_after(
            request,
            SEED_COOKIE,
            f"{day}.{bucket}",
            max_age=SEED_COOKIE_DAYS * 86_400,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    digest = hashlib.blake2b(f"{day}.{bucket}".encode(), digest_size=4).digest()
    seed = int.from_bytes(digest) & selectors.SEED_MAX
    request._ideas_bucket_seed = seed
    return seed


def challenge_variant(request: HttpRequest) -> str:
    """The seed is part of a cached challenge page only where it is used."""
    if request.GET.get("sort") in UNSEEDED_SORTS:
        return ""
    return f"seed={bucket_seed(request)}"
