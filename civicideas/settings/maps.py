"""What the map tiles need from the settings (docs/maps.md)."""

from __future__ import annotations

from urllib.parse import urlsplit


def map_tile_csp_sources(tile_url: str) -> list[str]:
    """The tile server's origin for the CSP's ``img-src``, so the maps can
    show its tiles and nothing else from another site. A ``{s}.`` subdomain
    placeholder (``https://{s}.tile.example.org/...``) becomes a wildcard.
    Anything but an http(s) URL with a host gives nothing: the maps then show
    their markers on a plain background."""
    parts = urlsplit(tile_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    host = parts.netloc
    if host.startswith("{s}."):
        host = "*." + host[4:]
    if "{" in host or "}" in host or " " in host or ";" in host or "'" in host:
        return []
    return [f"{parts.scheme}://{host}"]
