"""Reads of the events app, for its pages and for the pages that compose it
(the city home, the challenge page, the map). Each list is one query,
whatever the number of events or registrations (tests/events/test_queries.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone

from civicideas.accounts.rules import signed_in
from civicideas.content.translations import localized_text
from events.models import Event, Registration

#: Events on the city home and the challenge page.
TEASER_LIMIT = 3
#: Most events on one section of ``/events/``.
LIST_LIMIT = 200
#: Most events on the map.
MAP_LIMIT = 200


def event_list(*, challenge_id: int | None = None) -> tuple[list[Event], list[Event]]:
    """Upcoming (soonest first) and past (latest first) events of the city,
    optionally of one challenge, with their counts: two queries."""
    events = Event.objects.select_related("challenge").with_counts()
    if challenge_id is not None:
        events = events.filter(challenge_id=challenge_id)
    now = timezone.now()
    return (
        list(events.upcoming(now)[:LIST_LIMIT]),
        list(events.past(now)[:LIST_LIMIT]),
    )


def upcoming_events(*, challenge_id: int | None = None, limit: int = TEASER_LIMIT) -> list[Event]:
    """The next few published events (of a challenge): one query."""
    events = Event.objects.filter(status=Event.Status.PUBLISHED)
    if challenge_id is not None:
        events = events.filter(challenge_id=challenge_id)
    return list(events.upcoming()[:limit])


def event_for_page(pk: int) -> Event | None:
    """The event with its counts, or None (another city's id too)."""
    return Event.objects.select_related("challenge").with_counts().filter(pk=pk).first()


@dataclass
class MyRegistration:
    registration: Registration | None
    #: 1-based place in the waiting list, when on it.
    position: int | None = None


def my_registration(event: Event, user: Any) -> MyRegistration:
    """The viewer's active registration and place in the queue (two queries
    at most; none for an anonymous visitor)."""
    if not signed_in(user):
        return MyRegistration(None)
    registration = Registration.objects.active().filter(event=event, user_id=user.pk).first()
    if registration is None or registration.status != Registration.Status.WAITLISTED:
        return MyRegistration(registration)
    ahead = (
        Registration.objects.waitlist()
        .filter(event=event)
        .filter(
            Q(created_at__lt=registration.created_at)
            | Q(created_at=registration.created_at, pk__lt=registration.pk)
        )
        .count()
    )
    return MyRegistration(registration, ahead + 1)


def my_events(user: Any) -> list[Registration]:
    """The viewer's active registrations for events not over yet."""
    if not signed_in(user):
        return []
    return list(
        Registration.objects.active()
        .filter(user_id=user.pk, event__ends_at__gt=timezone.now())
        .select_related("event")
        .order_by("event__starts_at", "pk")
    )


def located_events(limit: int = MAP_LIMIT) -> list[Event]:
    """Upcoming published events with a location, for the city map: one query."""
    return list(
        Event.objects.filter(
            status=Event.Status.PUBLISHED, latitude__isnull=False, longitude__isnull=False
        ).upcoming()[:limit]
    )


def events_geojson(events: list[Event]) -> str:
    """The events as a GeoJSON FeatureCollection (plain-text properties,
    written by the map's script with ``textContent``)."""
    features = []
    for event in events:
        start = timezone.localtime(event.starts_at)
        features.append(
            {
                "type": "Feature",
                "id": event.pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(event.longitude), float(event.latitude)],
                },
                "properties": {
                    "title": str(localized_text(event, "title")),
                    "url": reverse("events:detail", args=[event.pk]),
                    "status": str(event.get_kind_display()),
                    "supports_text": f"{formats.date_format(start, 'DATE_FORMAT')} "
                    f"{formats.time_format(start, 'TIME_FORMAT')} · {event.place_name}",
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
