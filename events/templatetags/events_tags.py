"""Events on pages other apps own (the challenge page, the city map), so
``ideas`` needs no knowledge of events: its templates load these tags.
Each tag is one query."""

from __future__ import annotations

from typing import Any

from django import template

from events import selectors

register = template.Library()


@register.simple_tag
def challenge_events(challenge: Any) -> list[Any]:
    """The next few published events of ``challenge``."""
    return selectors.upcoming_events(challenge_id=challenge.pk)


@register.simple_tag
def map_events() -> dict[str, Any]:
    """``{"events": [...], "geojson": "..."}``: upcoming events with a place
    on the map, for the city map's events layer."""
    events = selectors.located_events()
    return {"events": events, "geojson": selectors.events_geojson(events) if events else ""}
