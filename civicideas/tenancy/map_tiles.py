"""A city's map tiles: which tile server its maps load, the attribution the
tile provider's licence asks for, and the Content-Security-Policy that lets
the browser load exactly that server's images (docs/maps.md, "Tiles").

Each city may choose its tile server in its settings (``City.map_tile_url``,
checked by ``tile_url_problem`` in the city form). A city that has not
chosen uses the platform's default, the ``MAP_TILE_URL`` setting
(OpenStreetMap's standard tiles unless the deployment says otherwise; empty:
no tiles, a plain background). The URL goes into the page and its host into
the CSP header, so it is checked twice: strictly when a person types it, and
again (syntax only) whenever a page is built, whatever wrote the row.

The CSP: the site's policy (``SECURE_CSP``) allows no other site's images.
A page that shows a map is answered with that policy plus the tile server's
origin in ``img-src`` (``map_csp``), through Django's per-response override
(``response._csp_config``, what ``django.views.decorators.csp.csp_override``
sets, read by ``ContentSecurityPolicyMiddleware``). ``shows_map`` does it for
a view, from the request's city, after the page cache: a cached page is
rebuilt as a new response, and still gets the header.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP
from django.utils.html import format_html
from django.utils.safestring import SafeString

#: OpenStreetMap's standard tiles: the platform default (``MAP_TILE_URL``).
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
OSM_ATTRIBUTION_URL = "https://www.openstreetmap.org/copyright"

#: Longest tile URL template accepted (real ones are under 120 characters).
MAX_TILE_URL_LENGTH = 300
MAX_ATTRIBUTION_LENGTH = 200

#: The placeholders Leaflet fills; any other ``{name}`` makes Leaflet throw.
PLACEHOLDERS = frozenset({"s", "z", "x", "y", "r"})
REQUIRED_PLACEHOLDERS = ("z", "x", "y")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: A plain host name or IPv4 address, an optional ``{s}.`` subdomain
#: placeholder and port: nothing a CSP source list could misread.
_NETLOC = re.compile(rf"^(?:\{{s\}}\.)?{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?$")
#: Characters that would break the CSP header or the HTML attribute, or hide
#: a second URL: white space, quotes, separators, angle brackets, backslash.
_FORBIDDEN = re.compile(r"[\s\"'`;,<>\\^|\x00-\x1f\x7f]")
_LOCAL_HOSTS = ("localhost", "127.0.0.1")


def _is_local(hostname: str) -> bool:
    return hostname in _LOCAL_HOSTS or hostname.endswith(".localhost")


def _syntax_problem(url: str) -> str | None:
    """What makes ``url`` unusable as a tile URL template whatever the
    deployment, as an error code (see ``tile_url_problem``), or None."""
    if len(url) > MAX_TILE_URL_LENGTH:
        return "too_long"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not url.lower().startswith(f"{scheme}://"):
        return "scheme"
    if _FORBIDDEN.search(url):
        return "characters"
    if "@" in parts.netloc or not _NETLOC.fullmatch(parts.netloc):
        return "host"
    names = _PLACEHOLDER.findall(url)
    rest = _PLACEHOLDER.sub("", url)
    if any(name not in PLACEHOLDERS for name in names) or "{" in rest or "}" in rest:
        return "placeholder"
    if any(name not in names for name in REQUIRED_PLACEHOLDERS):
        return "missing_placeholder"
    return None


def tile_url_problem(url: str, *, allow_local_http: bool = False) -> str | None:
    """Why ``url`` cannot be a city's tile URL template, as an error code
    (``too_long``, ``scheme``, ``characters``, ``host``, ``placeholder``,
    ``missing_placeholder``), or None.

    https only (http for a loopback host when ``allow_local_http``, which
    the form passes in DEBUG), a plain host, ``{z}``, ``{x}`` and ``{y}``
    and no other placeholder than ``{s}`` and ``{r}``, at most
    ``MAX_TILE_URL_LENGTH`` characters, nothing that would break the CSP
    header or the page (spaces, quotes, ``;``, ``,``, angle brackets)."""
    problem = _syntax_problem(url)
    if problem:
        return problem
    parts = urlsplit(url)
    if parts.scheme.lower() == "http" and not (
        allow_local_http and _is_local((parts.hostname or "").lower())
    ):
        return "scheme"
    return None


def tile_origin(url: str) -> str | None:
    """The CSP source of a tile URL template (``https://tile.example.org``;
    ``https://*.tile.example.org`` for a ``{s}.`` subdomain), or None when
    the URL is not an acceptable template. http is accepted here, as for a
    loopback tile server in development: the form is where it is refused."""
    if not url or _syntax_problem(url):
        return None
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    if netloc.startswith("{s}."):
        netloc = "*." + netloc[4:]
    return f"{parts.scheme.lower()}://{netloc}"


def _safe_link(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or _FORBIDDEN.search(url):
        return ""
    return url


@dataclass(frozen=True)
class MapTiles:
    """The tile server a map loads and the attribution it shows."""

    url: str
    attribution: str
    attribution_url: str = ""

    @property
    def origin(self) -> str | None:
        return tile_origin(self.url)

    @property
    def attribution_html(self) -> SafeString:
        """The attribution for Leaflet's attribution control, which inserts
        HTML: the text escaped, the link (http(s) only) an ``<a>``."""
        link = _safe_link(self.attribution_url)
        text = self.attribution or self.attribution_url
        if link:
            return format_html('<a href="{}" rel="noopener">{}</a>', link, text or link)
        return format_html("{}", text)

    def as_data(self) -> dict[str, str]:
        """What the map templates put in ``data-tile-*`` attributes. Plain
        strings, so the template escapes the attribution's HTML into the
        attribute (``"".join``: ``str()`` of a SafeString stays safe)."""
        return {"url": self.url, "attribution": "".join([self.attribution_html])}


def default_tiles() -> MapTiles | None:
    """The platform's tiles (``MAP_TILE_URL``), or None when the setting is
    empty or unusable: the maps then show a plain background."""
    url = settings.MAP_TILE_URL
    if not url or tile_origin(url) is None:
        return None
    return MapTiles(
        url=url,
        attribution=settings.MAP_TILE_ATTRIBUTION,
        attribution_url=getattr(settings, "MAP_TILE_ATTRIBUTION_URL", ""),
    )


def city_tiles(city: Any) -> MapTiles | None:
    """The city's own tile server when it has chosen one (and it is still an
    acceptable template), otherwise the platform's default."""
    url = getattr(city, "map_tile_url", "") if city is not None else ""
    if url and tile_origin(url) is not None:
        return MapTiles(
            url=url,
            attribution=city.map_tile_attribution,
            attribution_url=city.map_tile_attribution_url,
        )
    return default_tiles()


def map_csp(tiles: MapTiles | None) -> dict[str, list[str]]:
    """The site's CSP with the tile server's origin added to ``img-src``."""
    policy: dict[str, list[str]] = {
        key: list(value)  # type: ignore[call-overload]
        for key, value in settings.SECURE_CSP.items()
    }
    origin = tiles.origin if tiles is not None else None
    if origin:
        sources = policy.setdefault("img-src", [CSP.SELF])
        if origin not in sources:
            sources.append(origin)
    return policy


def allow_tiles(response: HttpResponse, city: Any) -> HttpResponse:
    """Answer ``response`` with the CSP that lets the city's tiles load."""
    response._csp_config = map_csp(city_tiles(city))  # type: ignore[attr-defined]
    return response


View = Callable[..., HttpResponse]


def shows_map(view: View) -> View:
    """For a view whose pages show a map of ``request.city``: its answers
    carry the CSP with that city's tile server (and no other city's). Put it
    outside the page cache, so cached answers get the header too."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        return allow_tiles(response, getattr(request, "city", None))

    return wrapper
