"""Whole public pages cached in Redis for anonymous visitors.

Most of a city's traffic is people who are not signed in reading the same
pages: the city home, a challenge's idea list, an idea. Rendering one costs
10 to 20 ms of templates (docs/performance.md); serving it from Redis costs one
round trip. So ``anonymous_page`` serves those views from the cache when the
response cannot differ from one anonymous visitor to the next.

Correctness rests on three rules:

* **Only what every anonymous visitor would get is stored.** The cache is
  used for GETs by anonymous visitors with no message pending, and a
  rendered page is stored only if it is a 200 that set no cookie, did not
  touch the CSRF token, did not generate a CSP nonce, did not modify the
  session and left no message (``_storable``). The layout is built for this:
  the brand palette is a stylesheet (``pages.views.brand_css``), scripts are
  same-origin files without nonces, the language switcher is a GET form and
  anonymous visitors' action buttons are sign-in links.
* **Invalidation by generations.** A page's key includes the current
  *generation* of every scope it shows (``city:<id>``, ``challenge:<id>:<slug>``,
  ``idea:<id>:<pk>``: the scope names are built in ``ideas.cache_keys``).
  A change bumps (``INCR``) the scopes it affects once its transaction
  commits (``bump_on_commit``), so the next request computes a new key and
  renders afresh; the old entries are never read again and expire. Bumping
  after the commit matters: bumped before it, a concurrent request could
  render the old rows and store them under the new generation.
* **A short TTL as a safety net** (``settings.PAGE_CACHE_SECONDS``, 60 s):
  changes no service bumps for (support counts, on purpose; a category
  edited in the admin; a phase that opens at a date) show within a minute.

Redis being down never breaks a page: every cache error is logged and the
page is rendered normally; after an error the cache is left alone for a few
seconds so each request does not wait for a dead server. Pages go to Redis
only, never to the default cache's per-process fallback
(``civicideas.ops.cache``): a page kept in one process would outlive a bump
made in another.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce

from civicideas.cache_policy import is_private
from civicideas.ops.metrics import PAGE_CACHE

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]
#: The scopes a request's page shows, e.g. ``["challenge:3:green"]``.
Scopes = Callable[..., Sequence[str]]

#: Header telling tests and operators what happened: hit, miss (stored) or bypass.
STATUS_HEADER = "X-Page-Cache"
#: Pages larger than this are not worth a Redis value.
MAX_BYTES = 512 * 1024
#: After a cache error, how long to leave the cache alone.
BACKOFF_SECONDS = 5.0
_GENERATION_PREFIX = "pc:gen:"
_PAGE_PREFIX = "pc:page:"
#: Request headers that change the response (htmx fragments vs whole pages).
_VARY_HEADERS = ("HX-Request", "HX-Target", "HX-History-Restore-Request", "HX-Boosted")
_COOKIES_ATTR = "_page_cache_cookies"

_down_until = 0.0


def ttl() -> int:
    """Seconds a page stays cached; 0 turns the cache off (e.g. to measure misses)."""
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 60))


def _store() -> Any:
    """Redis itself, without the default cache's per-process fallback
    (``civicideas.ops.cache``): a page kept in one process's memory would
    outlive a change bumped in another. Errors are handled here instead."""
    return getattr(cache, "primary", cache)


def _available() -> bool:
    return ttl() > 0 and time.monotonic() >= _down_until


def _cache_failed(what: str) -> None:
    global _down_until
    _down_until = time.monotonic() + BACKOFF_SECONDS
    logger.warning("page cache unavailable (%s); rendering without it", what, exc_info=True)


def reset_backoff() -> None:
    """Forget an earlier cache error (tests, and after a Redis restart)."""
    global _down_until
    _down_until = 0.0


# --- generations ---------------------------------------------------------------


def _generation_key(scope: str) -> str:
    return f"{_GENERATION_PREFIX}{scope}"


def generations(scopes: Sequence[str]) -> list[int]:
    """Current generation of each scope (0 if never bumped). Raises on cache errors."""
    keys = [_generation_key(s) for s in scopes]
    found = _store().get_many(keys)
    return [int(found.get(key) or 0) for key in keys]


def bump(*scopes: str) -> None:
    """Start a new generation of each scope now; cached pages showing them
    are not served again. Never raises: a missed bump leaves pages stale for
    at most the TTL, which is better than failing the change that bumped."""
    for scope in scopes:
        key = _generation_key(scope)
        try:
            try:
                _store().incr(key)
            except ValueError:  # first bump of this scope
                if not _store().add(key, 1, timeout=None):
                    _store().incr(key)  # a concurrent first bump won the add
        except Exception:  # noqa: BLE001 - Redis errors of any kind
            _cache_failed(f"bump {scope}")
            return


def bump_on_commit(*scopes: str) -> None:
    """``bump`` once the current transaction commits (at once outside one).

    Call it from the service that changes what the scopes' pages show.
    """
    transaction.on_commit(functools.partial(bump, *scopes), robust=True)


# --- per-visitor cookies outside the cached body --------------------------------


def set_cookie_after(request: HttpRequest, name: str, value: str, **options: Any) -> None:
    """Set a cookie on this request's response, whether it comes from the
    cache or not. For per-visitor choices (the shuffle bucket) that select a
    cached variant but are not part of the page itself."""
    cookies = getattr(request, _COOKIES_ATTR, None)
    if cookies is None:
        cookies = {}
        setattr(request, _COOKIES_ATTR, cookies)
    cookies[name] = (value, options)


def _apply_cookies(request: HttpRequest, response: HttpResponse) -> None:
    for name, (value, options) in getattr(request, _COOKIES_ATTR, {}).items():
        response.set_cookie(name, value, **options)


# --- the decorator -------------------------------------------------------------


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or getattr(request, "city", None) is None:
        return False
    # One person's page (civicideas.cache_policy) is never shared, even if a
    # view in a private namespace were decorated by mistake.
    if is_private(request):
        return False
    if request.user.is_authenticated:
        return False
    # Peeking with len() does not mark the messages as read.
    return len(get_messages(request)) == 0


def page_key(request: HttpRequest, scopes: Sequence[str], gens: Sequence[int], extra: str) -> str:
    """The cache key of this request's page: the city, the host and scheme,
    the language, the path with its query (parameters sorted), the htmx
    headers, the view's own ``extra`` variant and the scopes' generations."""
    query = sorted((k, v) for k, values in request.GET.lists() for v in values)
    parts = [
        str(request.city.pk),
        request.scheme,
        request.get_host(),
        getattr(request, "LANGUAGE_CODE", ""),
        request.path,
        repr(query),
        repr([request.headers.get(h, "") for h in _VARY_HEADERS]),
        extra,
        repr(list(zip(scopes, gens, strict=True))),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{_PAGE_PREFIX}{request.city.pk}:{digest}"


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    """Would every anonymous visitor get exactly this response?"""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "Cache-Control" in response and "private" in response["Cache-Control"]:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or get_nonce(request):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    if len(get_messages(request)) or len(response.content) > MAX_BYTES:
        return False
    # Last line of defence for the rules above: a per-visitor secret in a
    # shared page would be a security bug, so never store one.
    if b"csrfmiddlewaretoken" in response.content:
        logger.error("a page for anonymous visitors holds a CSRF token: %s", request.path)
        return False
    return True


def anonymous_page(
    *, scopes: Scopes, extra: Callable[[HttpRequest], str] | None = None
) -> Callable[[View], View]:
    """Serve the view from the page cache for anonymous visitors.

    ``scopes(request, *args, **kwargs)`` names what the page shows (see the
    module docstring); ``extra(request)`` returns any other variant the page
    depends on (the shuffle seed of a random list). The view must render
    the same response for the same key: anything per visitor belongs in
    ``set_cookie_after`` or makes the page unstorable.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _available() or not _cacheable_request(request):
                response = view(request, *args, **kwargs)
                response.headers.setdefault(STATUS_HEADER, "bypass")
                PAGE_CACHE.labels(result="bypass").inc()
                _apply_cookies(request, response)
                return response
            names = list(scopes(request, *args, **kwargs))
            variant = extra(request) if extra else ""
            key = None
            try:
                key = page_key(request, names, generations(names), variant)
                cached = _store().get(key)
            except Exception:  # noqa: BLE001 - Redis errors of any kind
                _cache_failed("read")
                cached = None
            if cached is not None:
                content_type, content = cached
                response = HttpResponse(content, content_type=content_type)
                response[STATUS_HEADER] = "hit"
                PAGE_CACHE.labels(result="hit").inc()
                _apply_cookies(request, response)
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if key is not None and _storable(request, response):
                try:
                    _store().set(key, (response["Content-Type"], response.content), ttl())
                except Exception:  # noqa: BLE001
                    _cache_failed("write")
                response[STATUS_HEADER] = "miss"
            else:
                response.headers.setdefault(STATUS_HEADER, "bypass")
            PAGE_CACHE.labels(result=response[STATUS_HEADER]).inc()
            _apply_cookies(request, response)
            return response

        return wrapper

    return decorator
