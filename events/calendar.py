"""iCalendar (RFC 5545) files: one event (``/events/<id>.ics``) and the
city's calendar feed (``/events/calendar.ics``), built with ``icalendar``.

Times carry the city's zone (``DTSTART;TZID=Europe/Brussels:...``) with its
``VTIMEZONE`` definition, so a calendar shows "18:30" for an evening in the
city wherever the reader's own device is, and converts correctly for
someone abroad. Texts are the reader's language where the city wrote one
(the page's), else the default. A cancelled event stays in the feed with
``STATUS:CANCELLED``, so subscribed calendars remove or mark it instead of
keeping a stale invitation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from civicideas.content.translations import localized_text
from civicideas.tenancy.models import City
from events.models import Event

PRODID = "-//civicideas//events//EN"
#: Past events kept in the feed, so last week's workshop does not vanish.
FEED_PAST = timedelta(days=90)
#: Most events in one feed (the soonest first).
FEED_LIMIT = 500


def event_uid(event: Event, city: City) -> str:
    """Stable across host-name changes: calendars update rather than duplicate."""
    return f"event-{event.pk}-{city.slug}@civicideas"


def _vevent(event: Event, city: City, absolute: Callable[[str], str]) -> VEvent:
    tz = city.zoneinfo
    location = ", ".join(part for part in (event.place_name, event.address) if part)
    url = absolute(f"/events/{event.pk}/")
    description = str(localized_text(event, "description") or "")
    if event.online_url:
        description = f"{description}\n\n{event.online_url}".strip()
    vevent = VEvent.new(
        uid=event_uid(event, city),
        summary=str(localized_text(event, "title")),
        start=timezone.localtime(event.starts_at, tz),
        end=timezone.localtime(event.ends_at, tz),
        location=location or None,
        description=description or None,
        url=url,
        created=event.created_at,
        stamp=timezone.now(),
    )
    vevent.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    if event.has_location:
        vevent.add("geo", (float(event.latitude), float(event.longitude)))
    return vevent


def calendar_bytes(
    events: Iterable[Event], *, city: City, name: str, absolute: Callable[[str], str]
) -> bytes:
    """The ``.ics`` text of ``events`` (``absolute(path)`` makes the links)."""
    calendar = Calendar.new(prodid=PRODID, name=name)
    for event in events:
        calendar.add_component(_vevent(event, city, absolute))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_events() -> list[Event]:
    """The feed's events: upcoming and those of the last ``FEED_PAST``."""
    since = timezone.now() - FEED_PAST
    return list(Event.objects.filter(ends_at__gt=since).order_by("starts_at", "pk")[:FEED_LIMIT])
