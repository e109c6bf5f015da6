"""Public ideas on a map: the markers of the challenge page and of ``/map/``.

The markers travel inside the page as GeoJSON (the map's ``data-features``), not from a
separate endpoint: the page and its markers come from the same cached
response, in one query, and the page's list of the same ideas (the
alternative to the map for keyboard and screen-reader users) is rendered
from the same rows. The number of markers is bounded (``MAP_LIMIT``, most
supported first); the page says when more ideas have a location.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from civicideas.tenancy.map_tiles import city_tiles
from ideas.models import Challenge, Idea

#: At most this many markers on one map. Beyond it a map is unreadable, and
#: the page stays small (about 200 bytes a marker).
MAP_LIMIT = 500


@dataclass
class IdeaMap:
    """What a map template needs: the ideas, their GeoJSON and the tiles."""

    ideas: list[Idea]
    truncated: bool
    geojson: dict[str, Any] = field(default_factory=dict)
    tiles: dict[str, str] = field(default_factory=dict)
    bounds: list[float] | None = None

    @property
    def geojson_text(self) -> str:
        """The GeoJSON for the map's ``data-features`` attribute (escaped there
        by the template). An attribute, not a ``json_script``: htmx drops
        script elements from an out-of-band swap, and the challenge page's
        filters swap the map that way."""
        return json.dumps(self.geojson, separators=(",", ":"))

    @property
    def cluster_label(self) -> str:
        """The accessible name of a cluster of markers, ``%(count)s`` filled in
        by map.js (a cluster holds two ideas or more: the plural)."""
        return gettext("%(count)s ideas here: zoom in to see them")

    #: One idea's own map (the idea page): no list, no count.
    single: bool = False
    #: The challenge page's map follows its list's filters and search.
    filtered: bool = False


def located_public_ideas(
    *, challenge: Challenge | None = None, limit: int = MAP_LIMIT
) -> tuple[list[Idea], bool]:
    """Public ideas with a location, in the current city (or one challenge),
    most supported first; and whether there were more than ``limit``.
    One query, whatever the number of ideas."""
    ideas = Idea.objects.public()
    if challenge is not None:
        ideas = ideas.filter(challenge=challenge)
    else:
        ideas = ideas.exclude(challenge__phase=Challenge.Phase.DRAFT)
    return located(ideas, limit=limit)


def located(ideas: QuerySet[Idea], *, limit: int = MAP_LIMIT) -> tuple[list[Idea], bool]:
    """The ideas of ``ideas`` (any filtered or searched queryset, such as the
    challenge page's list) that have a location, most supported first, at
    most ``limit``; and whether there were more. One query: the list's own
    order, joins and search rank are dropped, its filters kept."""
    rows = list(
        ideas.filter(latitude__isnull=False, longitude__isnull=False)
        .select_related(None)
        .only(
            "id", "city_id", "title", "status", "support_count", "latitude", "longitude", "language"
        )
        .order_by("-support_count", "-id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def ideas_geojson(ideas: list[Idea]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (longitude first, as GeoJSON says). The
    properties are plain text: the page's script writes them with
    ``textContent``, never as HTML."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": idea.pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(idea.longitude), float(idea.latitude)],
                },
                "properties": {
                    "title": idea.title,
                    "url": reverse("ideas:idea", args=[idea.pk]),
                    "status": str(idea.get_status_display()),
                    "supports": idea.support_count,
                    "supports_text": ngettext(
                        "%(count)s support", "%(count)s supports", idea.support_count
                    )
                    % {"count": idea.support_count},
                },
            }
            for idea in ideas
        ],
    }


def tile_settings(city: Any) -> dict[str, str]:
    """The city's tile server and its attribution (escaped HTML for Leaflet's
    attribution control), or the platform's default; empty when there is
    none, and the maps show a plain background. The view answers with the
    CSP that allows this server (``civicideas.tenancy.map_tiles.shows_map``)."""
    tiles = city_tiles(city)
    return tiles.as_data() if tiles is not None else {}


def city_bounds(city: Any) -> list[float] | None:
    """The city's bounding box as ``[south, west, north, east]``, if set:
    where the maps open, and the area a submitter clicks in."""
    box = (city.min_latitude, city.min_longitude, city.max_latitude, city.max_longitude)
    if any(edge is None for edge in box):
        return None
    return [float(edge) for edge in box]


def idea_map(
    *, city: Any, challenge: Challenge | None = None, ideas: QuerySet[Idea] | None = None
) -> IdeaMap:
    """The map of the city's public located ideas, or of one challenge's;
    with ``ideas`` (the challenge page's filtered and searched list, before
    paging), the map shows the same ideas as the list, capped."""
    if ideas is not None:
        rows, truncated = located(ideas)
    else:
        rows, truncated = located_public_ideas(challenge=challenge)
    return IdeaMap(
        ideas=rows,
        truncated=truncated,
        geojson=ideas_geojson(rows),
        tiles=tile_settings(city),
        bounds=city_bounds(city),
        filtered=ideas is not None,
    )


def single_idea_map(idea: Idea, *, city: Any) -> IdeaMap | None:
    """The idea page's small map of the idea's own location, or None when it
    has none. No query: the page has already read the idea (and the city)."""
    if idea.latitude is None or idea.longitude is None:
        return None
    return IdeaMap(
        ideas=[idea],
        truncated=False,
        geojson=ideas_geojson([idea]),
        tiles=tile_settings(city),
        single=True,
    )


def location_picker(city: Any) -> IdeaMap:
    """The submit and edit forms' map: no ideas, the city's box and tiles."""
    return IdeaMap(ideas=[], truncated=False, tiles=tile_settings(city), bounds=city_bounds(city))
