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

A page reads its fragments together through a ``Batch`` (one per GET
request): its scopes' generations once, and each ``fetch`` of several
fragments, of either kind, in one round trip.

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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Scoped:
    """A fragment (``html=True``: rendered HTML, checked for CSRF tokens) or
    a value (picklable rows) kept while none of ``scopes`` is bumped."""

    name: str
    scopes: Sequence[str]
    parts: Sequence[Any]
    compute: Callable[[], Any]
    html: bool = False


@dataclass(frozen=True)
class Addressed:
    """A fragment kept by content: ``parts`` are every value it shows."""

    name: str
    parts: Sequence[Any]
    render: Render


class Batch:
    """One page's shared fragments, read together. The generations of every
    scope are read once per batch (one round trip, on first need) and each
    ``fetch`` reads all the fragments asked for in one ``get_many`` and
    writes the misses in one ``set_many``: a page asks for what it can name
    at once (the challenge page: its filter choices first, then its filter
    form, map and cards together), three round trips instead of seven.

    Same keys and invalidation as ``scoped``/``addressed``: a bump between
    two fetches of one batch is seen by the next request, as a bump during
    a page's rendering always was. Make a batch per request and only on
    pages that do not change what they show (GET views): a view that bumps
    a scope would otherwise read its own fragments under the old generation.
    """

    def __init__(self) -> None:
        self._generations: dict[str, int] = {}

    def _keys(self, wants: Sequence[Scoped | Addressed]) -> list[str]:
        missing = list(
            dict.fromkeys(
                scope
                for want in wants
                if isinstance(want, Scoped)
                for scope in want.scopes
                if scope not in self._generations
            )
        )
        if missing:
            self._generations.update(zip(missing, page_cache.generations(missing), strict=True))
        keys = []
        for want in wants:
            if isinstance(want, Scoped):
                gens = [(scope, self._generations[scope]) for scope in want.scopes]
                keys.append(_PREFIX + _digest(want.name, [*want.parts, *gens]))
            else:
                keys.append(_PREFIX + _digest(want.name, want.parts))
        return keys

    def fetch(self, wants: Sequence[Scoped | Addressed]) -> list[Any]:
        """Each want's value or fragment (``SafeString``), in order."""
        if not wants:
            return []
        keys: list[str] | None = None
        found: dict[str, Any] = {}
        if page_cache._available():
            try:
                keys = self._keys(wants)
                found = page_cache._store().get_many(keys)
            except Exception:  # noqa: BLE001 - Redis errors of any kind
                page_cache._cache_failed("fragment read")
                keys, found = None, {}
        out: list[Any] = []
        new: dict[str, Any] = {}
        for index, want in enumerate(wants):
            key = keys[index] if keys is not None else None
            hit = found.get(key) if key is not None else None
            if isinstance(want, Scoped) and not want.html:
                # Values in a tuple: a cached empty list is a hit, not a miss.
                if hit is not None:
                    out.append(hit[0])
                    continue
                value = want.compute()
                if key is not None:
                    new[key] = (value,)
                out.append(value)
                continue
            if hit is not None:
                html = hit[0] if isinstance(want, Scoped) else hit
            else:
                html = str(want.compute() if isinstance(want, Scoped) else want.render())
                if key is not None and _storable(html):  # else never shared
                    new[key] = (html,) if isinstance(want, Scoped) else html
            out.append(mark_safe(html))  # noqa: S308 - rendered by our templates
        if new:
            try:
                page_cache._store().set_many(new, page_cache.ttl())
            except Exception:  # noqa: BLE001
                page_cache._cache_failed("fragment write")
        return out


def scoped_value[T](
    name: str, *, scopes: Sequence[str], parts: Sequence[Any], compute: Callable[[], T]
) -> T:
    """``compute()``'s value (picklable: rows, lists of model instances) for
    ``parts`` in the current language, from the cache while none of
    ``scopes`` was bumped; else computed and stored. Two cache round trips.
    For a query whose rows are the same for everyone (a challenge's filter
    choices, the city's open challenges)."""
    (value,) = Batch().fetch([Scoped(name, scopes, parts, compute)])
    return cast(T, value)


def scoped(name: str, *, scopes: Sequence[str], parts: Sequence[Any], render: Render) -> SafeString:
    """The fragment ``name`` for ``parts`` (its variant: filters, city…) in the
    current language, from the cache while none of ``scopes`` was bumped;
    else ``render()``, stored. Two cache round trips (generations, fragment)."""
    (html,) = Batch().fetch([Scoped(name, scopes, parts, render, html=True)])
    return cast(SafeString, html)


def addressed(name: str, items: Sequence[tuple[Sequence[Any], Render]]) -> list[SafeString]:
    """Each item's fragment, by content: ``items`` are ``(parts, render)`` where
    ``parts`` are every value the fragment shows. One cache round trip for
    all the hits (``get_many``) and one for the misses (``set_many``)."""
    return Batch().fetch([Addressed(name, parts, render) for parts, render in items])


def current(
    name: str, *, scopes: Sequence[str], parts: Sequence[Any], render: Render
) -> SafeString:
    """A fragment kept while none of ``scopes`` is bumped, as ``scoped``, in
    ONE cache round trip: the key is ``parts`` (and the language) alone, and
    the value holds the generations it was rendered under, read together
    with the scopes' current ones and compared. For a page's one big
    fragment, where the second round trip was a tenth of what is left.

    Same invalidation as ``scoped``: the generations are read before the
    fragment is rendered, so a bump after the read tags the stored copy with
    the old generation, which no later read matches (at worst a wasted
    render); the last writer wins the key, and a copy tagged with an older
    generation is simply a miss."""
    if not page_cache._available():
        return mark_safe(render())  # noqa: S308 - rendered by our templates
    key = _PREFIX + _digest(f"current:{name}", parts)
    generation_keys = [page_cache._generation_key(scope) for scope in scopes]
    try:
        found = page_cache._store().get_many([key, *generation_keys])
    except Exception:  # noqa: BLE001 - Redis errors of any kind
        page_cache._cache_failed("fragment read")
        return mark_safe(render())  # noqa: S308
    generations = tuple(int(found.get(k) or 0) for k in generation_keys)
    hit = found.get(key)
    if isinstance(hit, tuple) and len(hit) == 2 and hit[0] == generations:
        return mark_safe(hit[1])  # noqa: S308
    html = str(render())
    if _storable(html):  # else never shared
        try:
            page_cache._store().set(key, (generations, html), page_cache.ttl())
        except Exception:  # noqa: BLE001
            page_cache._cache_failed("fragment write")
    return mark_safe(html)  # noqa: S308


def name_parts(obj: Any) -> tuple[Any, ...] | None:
    """A shown tag's part of a content key (a category, a district): its
    name in every language, so a renamed or newly translated tag is a new
    key in every language at once."""
    if obj is None:
        return None
    return (obj.pk, obj.name, obj.translations)
