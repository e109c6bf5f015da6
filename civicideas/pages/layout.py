"""The base layout's header, footer and head links, rendered once per kind
of visitor and kept in the process (issue 17, docs/performance.md).

Every page, signed in or not, shows the same navigation and footer to
everyone in the same situation: the city's name, logo, contact address and
languages, the active language, and whether the visitor is signed in and
staff. Rendering them (sixteen URL reversals, some thirty translations, the
notifications bell) was most of a signed-in page that shows nothing else.
``{% shared_layout "header" %}`` renders its content once per such
situation and keeps the text in the process; each request then fills in
the few parts that are its own, left as markers in the shared text:

* the sign-out form's CSRF token and the bell's CSP nonce (asked for only
  when the text holds their marker, so an anonymous page, which has
  neither, stays cacheable by the page cache);
* the language switcher's ``next`` (the page's own path);
* ``aria-current`` on the navigation's links (``nav_current``);
* the city logo's URL (signed, and so new every second, when media are
  kept in object storage).

The rule that keeps this safe: the content is rendered from the **key
alone**. ``layout_values`` reads every value the header and footer show
from the page's context into small frozen records; those records are the
cache key *and* the only context the shared content is rendered with
(Django's built-ins aside). A value the layout starts to show without
``layout_values`` reading it is missing from the page (a test sees it),
never another person's. Nothing to invalidate: a changed name, colour,
language or role is a different key. The language, the URL configuration
and the script prefix are part of the key too (translations and
``{% url %}``).

Kept per template node (a reloaded template starts afresh), at most
``MAX_ENTRIES`` situations each, the oldest dropped first. A process
serving many cities holds a few kilobytes per city, language and kind
of visitor.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.signals import setting_changed
from django.template import Context
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

if TYPE_CHECKING:
    from django.template.base import NodeList

#: The main navigation's sections: the path prefix each one owns. The
#: longest matching prefix wins ("/me/profile/" is the profile, not "/me/").
NAV_SECTIONS = {
    "home": "/",
    "challenges": "/challenges/",
    "ideas": "/ideas/",
    "initiatives": "/initiatives/",
    "projects": "/projects/",
    "groups": "/groups/",
    "events": "/events/",
    "sponsors": "/sponsors/",
    "participation": "/me/",
    "notifications": "/notifications/",
    "profile": "/me/profile/",
    "statistics": "/statistics/",
}
#: Pages that belong to another section than their path says: an idea is
#: read inside its challenge.
NAV_ALIASES = {"ideas": "challenges"}


def current_section(path: str) -> str:
    """The navigation section ``path`` belongs to ("" for none): the
    longest matching prefix, then its alias."""
    best = ""
    for name, prefix in NAV_SECTIONS.items():
        matches = path == "/" if prefix == "/" else path.startswith(prefix)
        if matches and len(prefix) > len(NAV_SECTIONS.get(best, "")):
            best = name
    return NAV_ALIASES.get(best, best)


def nav_attribute(path: str, section: str, current: str | None = None) -> str:
    """The ``aria-current`` attribute (with its leading space) of
    ``section``'s link on the page at ``path``, or "". ``current`` is
    ``current_section(path)`` when the caller has it already."""
    if (current_section(path) if current is None else current) != section:
        return ""
    return ' aria-current="page"' if path == NAV_SECTIONS[section] else ' aria-current="true"'


#: Context flag set while a shared fragment renders: ``nav_current`` leaves
#: a marker instead of reading the request's path.
NAV_MARKERS = "_layout_nav_markers"
#: A process's markers carry a random part: text a city admin typed (a
#: city's name) cannot forge one.
_MARK = "\x00" + secrets.token_hex(6)
_END = "\x00"
MAX_ENTRIES = 256
_VALUES_ATTR = "_civic_layout_values"


def layout_marker(kind: str, arg: str = "") -> str:
    """A placeholder in shared text that ``splice`` replaces per request."""
    return f"{_MARK}{kind}:{arg}{_END}"


CSRF_MARK = layout_marker("csrf")
NONCE_MARK = layout_marker("nonce")
PATH_MARK = layout_marker("path")
LOGO_MARK = layout_marker("logo")
#: What ``{% csrf_token %}`` renders with the marker as the token: removed
#: whole when the page has no token to give (``NOTPROVIDED``), as the tag does.
_CSRF_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_MARK}">'


@dataclass(frozen=True)
class LayoutLogo:
    url: str


@dataclass(frozen=True)
class LayoutCity:
    """What the layout shows of the city (the template reads ``city.*``)."""

    name: str
    colour: str
    logo: LayoutLogo | None
    contact_email: str
    statistics_public: bool


@dataclass(frozen=True)
class LayoutUser:
    """What the layout shows of the visitor: signed in, staff. Nothing else
    of the person may be read by the shared header (their name, their
    unread count): it would need a key per person."""

    is_authenticated: bool
    is_staff: bool


@dataclass(frozen=True)
class LayoutLanguage:
    code: str
    name_local: str


def _city(city: Any) -> LayoutCity | None:
    if not city:
        return None
    # The logo's URL is filled in per request: from object storage it is
    # signed, a new URL every second, and would make every page a new key.
    logo = LayoutLogo(LOGO_MARK) if getattr(city, "logo", None) else None
    return LayoutCity(
        name=str(city.name),
        colour=str(getattr(city, "colour", "") or ""),
        logo=logo,
        contact_email=str(getattr(city, "contact_email", "") or ""),
        statistics_public=bool(getattr(city, "statistics_public", False)),
    )


def _user(user: Any) -> LayoutUser:
    signed_in = bool(getattr(user, "is_authenticated", False))
    return LayoutUser(signed_in, signed_in and bool(getattr(user, "is_staff", False)))


def layout_values(context: Context) -> tuple[tuple[str, Any], ...]:
    """Every value the shared header and footer show, from the page's
    context: the fragments' key and their whole context. Lazy values (the
    CSRF token, the CSP nonce) are not evaluated here: only whether the
    page has one."""
    languages = tuple(
        LayoutLanguage(str(language["code"]), str(language["name_local"]))
        for language in context.get("offered_languages") or ()
    )
    return (
        ("city", _city(context.get("city"))),
        ("is_platform", bool(context.get("is_platform"))),
        ("platform_url", str(context.get("platform_url") or "")),
        ("user", _user(context.get("user"))),
        ("offered_languages", languages),
        ("LANGUAGE_CODE", get_language()),
        ("source_code_url", str(context.get("source_code_url") or "")),
        ("csrf_token", CSRF_MARK if "csrf_token" in context else None),
        ("csp_nonce", NONCE_MARK if "csp_nonce" in context else ""),
        ("current_path", PATH_MARK),
        (NAV_MARKERS, True),
    )


class SharedFragments:
    """One template node's rendered texts, by key (thread-safe, bounded)."""

    def __init__(self) -> None:
        self._texts: dict[tuple, str] = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def render(self, nodelist: NodeList, context: Context) -> SafeString:
        # Read once per page: the head, header and footer share them.
        values = getattr(context, _VALUES_ATTR, None)
        if values is None:
            values = layout_values(context)
            setattr(context, _VALUES_ATTR, values)
        key = (get_urlconf(), get_script_prefix(), values)
        text = self._texts.get(key)
        if text is None:
            text = nodelist.render(context.new(dict(values)))
            with self._lock:
                while len(self._texts) >= MAX_ENTRIES:
                    self._texts.pop(next(iter(self._texts)))
                self._texts[key] = text
        return splice(text, context)

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()


_ALL: weakref.WeakSet[SharedFragments] = weakref.WeakSet()


def forget_layouts(**_kwargs: Any) -> None:
    """Drop every kept header and footer (a setting changed, in tests)."""
    for fragments in list(_ALL):
        fragments.clear()


setting_changed.connect(forget_layouts)


def _text(value: Any) -> str:
    # Not ``value or ""``: a CSP nonce is false until it has been generated.
    return "" if value is None else str(value)


def splice(text: str, context: Context) -> SafeString:
    """``text`` with the request's own parts in place of the markers."""
    if _MARK not in text:
        return mark_safe(text)  # noqa: S308 - rendered by our template, escaped there
    if CSRF_MARK in text:
        token = _text(context.get("csrf_token"))
        if token in ("", "NOTPROVIDED"):
            text = text.replace(_CSRF_INPUT, "")
        text = text.replace(CSRF_MARK, escape(token))
    if NONCE_MARK in text:
        text = text.replace(NONCE_MARK, escape(_text(context.get("csp_nonce"))))
    if LOGO_MARK in text:
        text = text.replace(LOGO_MARK, escape(context["city"].logo.url))
    request = context.get("request")
    if PATH_MARK in text:
        text = text.replace(PATH_MARK, escape(request.get_full_path()) if request else "")
    if _MARK in text:
        path = getattr(request, "path", "") or ""
        current = current_section(path)
        parts = text.split(_MARK)
        out = [parts[0]]
        for part in parts[1:]:
            marker, _sep, rest = part.partition(_END)
            kind, _colon, section = marker.partition(":")
            out.append(nav_attribute(path, section, current) if kind == "nav" and section else "")
            out.append(rest)
        text = "".join(out)
    return mark_safe(text)  # noqa: S308 - escaped above and in the template
