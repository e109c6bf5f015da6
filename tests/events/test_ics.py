"""The .ics of an event and the city's feed: valid iCalendar, times in the
city's zone (with its VTIMEZONE), cancelled events marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from civicideas.tenancy import city_context
from events.models import Event
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    return Calendar.from_ical(response.content)


def test_event_ics_carries_the_citys_zone_and_the_right_instant(city, city_client):
    year = timezone.now().year + 1
    start = datetime(year, 1, 15, 17, 30, tzinfo=UTC)  # 18:30 in Brussels (winter)
    with city_context(city):
        event = EventFactory(
            title="Workshop; commas, too",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place_name="Town hall",
            address="Market Square 1",
            latitude=50.85,
            longitude=4.35,
            online_url="https://meet.example/x",
        )
    text = city_client.get(f"/events/{event.pk}.ics").content.decode()
    assert f"DTSTART;TZID=Europe/Brussels:{year}0115T183000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Brussels" in text
    calendar = _calendar(city_client.get(f"/events/{event.pk}.ics"))
    [vevent] = calendar.events
    assert vevent.start == start  # the same instant, whatever the zone
    assert vevent.end == start + timedelta(hours=2)
    assert str(vevent["SUMMARY"]) == "Workshop; commas, too"
    assert str(vevent["LOCATION"]) == "Town hall, Market Square 1"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["UID"]) == f"event-{event.pk}-riverton@civicideas"
    assert str(vevent["URL"]).endswith(f"/events/{event.pk}/")
    assert "https://meet.example/x" in str(vevent["DESCRIPTION"])


def test_summer_time_is_right_too(city, city_client):
    year = timezone.now().year + 1
    start = datetime(year, 7, 1, 16, 0, tzinfo=UTC)  # 18:00 in Brussels (summer)
    with city_context(city):
        event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    text = city_client.get(f"/events/{event.pk}.ics").content.decode()
    assert f"DTSTART;TZID=Europe/Brussels:{year}0701T180000" in text


def test_feed_lists_the_citys_events_with_cancelled_ones_marked(city, other_city, city_client):
    with city_context(city):
        EventFactory(title="On")
        EventFactory(title="Off", status=Event.Status.CANCELLED)
        EventFactory(
            title="Long ago",
            starts_at=timezone.now() - timedelta(days=400),
            ends_at=timezone.now() - timedelta(days=400) + timedelta(hours=1),
        )
    with city_context(other_city):
        EventFactory(title="Elsewhere")
    calendar = _calendar(city_client.get("/events/calendar.ics"))
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in calendar.events}
    assert statuses == {"On": "CONFIRMED", "Off": "CANCELLED"}
    assert "Riverton" in str(calendar["X-WR-CALNAME"])


def test_ics_text_in_the_readers_language(city, city_client):
    from civicideas.content.translations import set_translation

    with city_context(city):
        event = EventFactory(title="Walk")
        set_translation(event, "fr", {"title": "Promenade"})
        event.save()
    response = city_client.get(f"/events/{event.pk}.ics", HTTP_ACCEPT_LANGUAGE="fr")
    assert "SUMMARY:Promenade" in response.content.decode()
