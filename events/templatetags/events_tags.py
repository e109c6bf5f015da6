"""Events on pages other apps own (the challenge page, the city map), so
``ideas`` needs no knowledge of events: its templates load these tags.
Each tag is one query (the challenge's teaser: none while it is cached)."""

from __future__ import annotations

from typing import Any

from django import template

from civicideas.web import fragment_cache
from events import selectors
from ideas import cache_keys

register = template.Library()


@register.simple_tag(takes_context=True)
def challenge_events(context: template.Context, challenge: Any) -> list[Any]:
    """The next few published events of ``challenge``: the same for everyone,
    kept until the challenge's scope is bumped (the event services bump it)
    or the page cache's TTL (an event that ended drops off within it, as on
    the anonymous page). Through the page's fragment batch when it gives one
    (``fragments``: its generations are read already), one cache round trip."""
    batch = context.get("fragments") or fragment_cache.Batch()
    (events,) = batch.fetch(
        [
            fragment_cache.Scoped(
                "challenge-events",
                [cache_keys.challenge_scope(challenge.city_id, challenge.slug)],
                [challenge.city_id, challenge.pk],
                lambda: selectors.upcoming_events(challenge_id=challenge.pk),
            )
        ]
    )
    return list(events)


@register.simple_tag
def map_events() -> dict[str, Any]:
    """``{"events": [...], "geojson": "..."}``: upcoming events with a place
    on the map, for the city map's events layer."""
    events = selectors.located_events()
    return {"events": events, "geojson": selectors.events_geojson(events) if events else ""}
