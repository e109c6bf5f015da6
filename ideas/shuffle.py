"""The shuffle seed of the challenge page's random order.

Everyone draws from the same few seeds of the day: ``SEED_BUCKETS`` seeds
derived from the date, a visitor keeping one bucket (``<day>.<bucket>``)
for ``SEED_COOKIE_DAYS`` days, so the order stays the same from page to page.
Anonymous visitors keep it in a cookie (no session), signed-in people in
their session (drawn once, then never written again until it rotates).

Why shared seeds, and why they are fair:

* **Shared**: a page of the random list is then the same for everyone in
  the same bucket, so it can be cached: whole pages for anonymous visitors
  (``challenge_variant``), the page's content for signed-in people
  (``ideas.views.challenges``). With a personal seed (2^31 values) every
  signed-in view read and rendered its own list (the rotation's ids, the
  rows, the thumbnails: most of the page's cost at 100,000 ideas).
* **Fair**: the order is ``ideas.selectors.idea_list``'s rotation, a
  starting point in the ideas' random ``shuffle_key`` order. A bucket's seed
  is a hash of the day and the bucket, so it is a uniform draw like a
  personal random seed, and each visitor's bucket is drawn uniformly: an
  idea's chance to lead a visitor's list is the same as before, in
  expectation, whoever the idea's author and whatever its age. What changes
  is the spread within one day: the day's visitors start at 16 points
  instead of one per person, so on a given day 16 pages of 20 ideas fill the first
  pages; the next day's seeds are new draws, so over days every idea gets
  its turn at the top, and no idea is favoured for longer than a seed lives
  (two days). Fixed seeds would have favoured the same few hundred ideas
  forever.
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

#: Where a signed-in visitor's ``<day>.<bucket>`` is kept.
SEED_SESSION_KEY = "ideas_seed"
#: Where an anonymous visitor's ``<day>.<bucket>`` is kept.
SEED_COOKIE = "ideas_seed"
#: How many seeds the visitors of one day share (see the module docstring).
SEED_BUCKETS = 16
#: How long a visitor keeps a bucket, in days (today's and yesterday's).
SEED_COOKIE_DAYS = 2
#: Sorts that do not use the seed: their cached pages need no seed variant.
UNSEEDED_SORTS = ("newest", "most_supported", "most_discussed")
_ATTR = "_ideas_bucket_seed"


def visitor_seed(request: HttpRequest) -> int:
    """The visitor's shuffle seed: a bucket of the day, kept in the session
    for signed-in people and in a cookie for anonymous visitors."""
    return bucket_seed(request)


def _parse(value: object) -> tuple[int, int] | None:
    """``<day>.<bucket>`` if it is well formed and still current, else None."""
    if not isinstance(value, str):
        return None  # also the personal seeds (ints) of older sessions
    today = timezone.now().date().toordinal()
    raw_day, _dot, raw_bucket = value.partition(".")
    day = inputs.parse_int(raw_day, minimum=today - SEED_COOKIE_DAYS + 1, maximum=today)
    bucket = inputs.parse_int(raw_bucket, minimum=0, maximum=SEED_BUCKETS - 1)
    if day is None or bucket is None:
        return None
    return day, bucket


def seed_of(day: int, bucket: int) -> int:
    """The seed of a day's bucket: a hash, so a uniform draw in the seed range."""
    digest = hashlib.blake2b(f"{day}.{bucket}".encode(), digest_size=4).digest()
    return int.from_bytes(digest) & selectors.SEED_MAX


def bucket_seed(request: HttpRequest) -> int:
    """The visitor's seed: one of ``SEED_BUCKETS`` seeds of the day.

    The bucket is chosen at random on the first visit and kept for
    ``SEED_COOKIE_DAYS`` days (a forged, stale or malformed value is
    replaced), so the order stays stable from page to page. Signed-in people
    keep it in their session, written once per rotation; anonymous visitors
    in a cookie (set after a cached page too), so they need no session.
    """
    cached = getattr(request, _ATTR, None)
    if cached is not None:
        return cached
    signed_in = bool(getattr(request, "user", None) and request.user.is_authenticated)
    if signed_in:
        kept = _parse(request.session.get(SEED_SESSION_KEY))
    else:
        kept = _parse(request.COOKIES.get(SEED_COOKIE, ""))
    if kept is None:
        kept = (timezone.now().date().toordinal(), random.randrange(SEED_BUCKETS))  # noqa: S311 - fairness, not security
        value = f"{kept[0]}.{kept[1]}"
        if signed_in:
            request.session[SEED_SESSION_KEY] = value
        else:
            page_cache.set_cookie_after(
                request,
                SEED_COOKIE,
                value,
                max_age=SEED_COOKIE_DAYS * 86_400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
    seed = seed_of(*kept)
    setattr(request, _ATTR, seed)
    return seed


def challenge_variant(request: HttpRequest) -> str:
    """The seed is part of a cached challenge page only where it is used."""
    if request.GET.get("sort") in UNSEEDED_SORTS:
        return ""
    return f"seed={bucket_seed(request)}"
