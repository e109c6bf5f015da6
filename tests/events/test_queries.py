"""The events pages make the same number of queries with 2 events or 40,
and with 0 or 30 registrations each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicideas.tenancy import city_context
from tests.conftest import client_for, make_member
from tests.events.factories import EventFactory, RegistrationFactory
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _add(city, n, registrations=0):
    with city_context(city):
        challenge = ChallengeFactory()
        for i in range(n):
            start = timezone.now() + timedelta(days=i - n // 2)
            event = EventFactory(
                challenge=challenge if i % 2 else None,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                latitude=50.8,
                longitude=4.3,
            )
            for _ in range(registrations):
                RegistrationFactory(event=event)
    return challenge


@pytest.mark.parametrize("url", ["/events/", "/map/", "/", "/events/calendar.ics"])
def test_list_pages_do_not_grow_with_rows(city, url):
    user = make_member(city)
    client = client_for(user, city)
    _add(city, 2, 1)
    few = _queries(client, url)
    _add(city, 40, 3)
    assert _queries(client, url) <= few


def test_event_list_query_budget(city, django_assert_max_num_queries):
    client = client_for(make_member(city), city)
    _add(city, 30, 2)
    with django_assert_max_num_queries(16):
        client.get("/events/")


def test_detail_and_challenge_page_do_not_grow_with_registrations(city):
    client = client_for(make_member(city), city)
    challenge = _add(city, 3, 0)
    with city_context(city):
        event = EventFactory(challenge=challenge)
    detail = _queries(client, f"/events/{event.pk}/")
    page = _queries(client, f"/challenges/{challenge.slug}/")
    with city_context(city):
        for _ in range(30):
            RegistrationFactory(event=event)
    assert _queries(client, f"/events/{event.pk}/") <= detail
    assert _queries(client, f"/challenges/{challenge.slug}/") <= page
