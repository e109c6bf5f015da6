"""Rendered pieces of pages shared by everyone, signed in or not.

The page cache (``civicideas.web.page_cache``) serves whole pages to
anonymous visitors. Signed-in people get pages of their own (their support
state, their CSRF token, their comment's edit link), so the whole page
cannot be shared; but most of it is the same for everyone: the challenge
page's map and its idea cards, the idea page's comments. These are cached
here, rendered, and shared across people. Two kinds of key:

* **scoped** (``scoped``): the key holds the current generation of every
  scope the fragment shows, exactly as the page cache's keys do, and the
  services' bumps (``ideas.cache_keys``) make it stale. For fragments built
  from a query worth avoiding (the map's markers).
* **content-addressed** (``addressed``): the key is a hash of every value
  the fragment shows (the caller's ``parts``) and the language: a changed
  value is a new key, so there is nothing to invalidate and nothing can be
  stale. For fragments whose rows the page reads anyway (idea cards,
  comments): what is saved is the rendering.

The rule that keeps this safe: **nothing per person goes into a fragment**.
Per-person parts (support buttons, CSRF tokens, my comment's edit link,
report buttons, an author's hidden reason) are rendered outside the
fragment, per request; a fragment the viewer authored is rendered fresh
when the caller says so. As a last line of defence a fragment holding a
CSRF token is never stored.

Fragments live as long as cached pages (``page_cache.ttl()``): they may
carry signed media URLs, and counts no service bumps for (supports) follow
within that time on scoped fragments. Redis errors never break a page: the
fragment is rendered, and the cache left alone for a few seconds (the page
cache's back-off, shared).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from civicideas.web import page_cache

logger = logging.getLogger(__name__)

_PREFIX = "fc:"
Render = Callable[[], str]

#: Render a shared fragment's forms with this as ``csrf_token`` (it is not a
#: valid token): ``with_csrf`` puts the viewer's own token in its place.
CSRF_PLACEHOLDER = "__shared_fragment_csrf_token__"
_TOKEN_ATTR = "_fragment_csrf_token"  # noqa: S105 - an attribute's name
_CSRF_VALUES = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def _digest(name: str, parts: Sequence[Any]) -> str:
    text = "\x1f".join([name, get_language() or "", *(repr(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _storable(html: str) -> bool:
    """Never a real CSRF token in a shared fragment: only the placeholder."""
    if "csrfmiddlewaretoken" not in html:
        return True
    values = _CSRF_VALUES.findall(html)
    if html.count("csrfmiddlewaretoken") != len(values) or any(
        value != CSRF_PLACEHOLDER for value in values
    ):
        logger.error("a shared fragment holds a CSRF token; not stored")
        return False
    return True


def with_csrf(html: str, request: HttpRequest) -> SafeString:
    """``html`` with the request's CSRF token in place of the placeholder.
    The token is asked for only when there is a form (an anonymous page with
    none stays cacheable: asking for a token sets a cookie), and once per
    request (masking a token draws random bytes: fifty comments, fifty draws)."""
    if CSRF_PLACEHOLDER in html:
        token = getattr(request, _TOKEN_ATTR, None)
        if token is None:
            token = get_token(request)
            setattr(request, _TOKEN_ATTR, token)
        html = html.replace(CSRF_PLACEHOLDER, token)
    return mark_safe(html)  # noqa: S308 - our fragment, a token of [A-Za-z0-9]


def scoped_value[T](
    name: str, *, scopes: Sequence[str], parts: Sequence[Any], compute: Callable[[], T]
) -> T:
    """``compute()``'s value (picklable: rows, lists of model instances) for
    ``parts`` in the current language, from the cache while none of
    ``scopes`` was bumped; else computed and stored. Two cache round trips.
    For a query whose rows are the same for everyone (a challenge's filter
    choices, the city's open challenges)."""
    if not page_cache._available():
        return compute()
    key = None
    try:
        gens = page_cache.generations(scopes)
        key = _PREFIX + _digest(name, [*parts, *zip(scopes, gens, strict=True)])
        cached = page_cache._store().get(key)
    except Exception:  # noqa: BLE001 - Redis errors of any kind
        page_cache._cache_failed("fragment read")
        cached = None
    if cached is not None:
        return cast(T, cached[0])
    value = compute()
    if key is not None:
        try:
            # In a tuple: a cached empty list is a hit, not a miss.
            page_cache._store().set(key, (value,), page_cache.ttl())
        except Exception:  # noqa: BLE001
            page_cache._cache_failed("fragment write")
    return value


def scoped(name: str, *, scopes: Sequence[str], parts: Sequence[Any], render: Render) -> SafeString:
    """The fragment ``name`` for ``parts`` (its variant: filters, city…) in the
    current language, from the cache while none of ``scopes`` was bumped;
    else ``render()``, stored. Two cache round trips (generations, fragment)."""

    def checked() -> str:
        html = str(render())
        if not _storable(html):  # never shared: a key of its own each time
            raise _NotStorable(html)
        return html

    try:
        return mark_safe(scoped_value(name, scopes=scopes, parts=parts, compute=checked))  # noqa: S308
    except _NotStorable as refused:
        return mark_safe(refused.html)  # noqa: S308


class _NotStorable(Exception):
    def __init__(self, html: str) -> None:
        self.html = html


def addressed(name: str, items: Sequence[tuple[Sequence[Any], Render]]) -> list[SafeString]:
    """Each item's fragment, by content: ``items`` are ``(parts, render)`` where
    ``parts`` are every value the fragment shows. One cache round trip for
    all the hits (``get_many``) and one for the misses (``set_many``)."""
    if not items:
        return []
    if not page_cache._available():
        return [mark_safe(render()) for _, render in items]  # noqa: S308
    keys = [_PREFIX + _digest(name, parts) for parts, _ in items]
    try:
        found = page_cache._store().get_many(keys)
    except Exception:  # noqa: BLE001
        page_cache._cache_failed("fragment read")
        return [mark_safe(render()) for _, render in items]  # noqa: S308
    out: list[SafeString] = []
    new: dict[str, str] = {}
    for key, (_, render) in zip(keys, items, strict=True):
        html = found.get(key)
        if html is None:
            html = str(render())
            if _storable(html):
                new[key] = html
        out.append(mark_safe(html))  # noqa: S308 - rendered by our templates
    if new:
        try:
            page_cache._store().set_many(new, page_cache.ttl())
        except Exception:  # noqa: BLE001
            page_cache._cache_failed("fragment write")
    return out
