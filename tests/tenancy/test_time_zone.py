"""Times are shown in the city's time zone (issue 12): ``city_context``
switches the zone for every request, task and command in a city, resets it
afterwards, and English dates are never month-first."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.utils import timezone, translation

from civicideas.tenancy.context import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from civicideas.tenancy.tasks import city_task
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import CommentFactory, IdeaFactory
from tests.notifications.conftest import add_notification, deliver_in

pytestmark = pytest.mark.django_db

#: 15:00 UTC on 2 December 2026 is 16:00 in Brussels and 10:00 in New York.
MOMENT = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def in_zone(city: City, zone: str) -> City:
    City.objects.filter(pk=city.pk).update(time_zone=zone)
    city.refresh_from_db()
    return city


def commented_idea(city: City):
    with city_context(city), time_machine.travel(MOMENT, tick=False):
        return CommentFactory(idea=IdeaFactory(), body="See you there").idea


def idea_page(city: City, idea) -> str:
    response = Client(HTTP_HOST=host_of(city), HTTP_ACCEPT_LANGUAGE="en").get(f"/ideas/{idea.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("zone", "shown", "not_shown"),
    [
        ("Europe/Brussels", "2 Dec 2026, 16:00", "15:00"),
        ("America/New_York", "2 Dec 2026, 10:00", "16:00"),
    ],
)
def test_idea_page_shows_comment_time_in_the_city_zone(city, zone, shown, not_shown):
    idea = commented_idea(in_zone(city, zone))

    html = idea_page(city, idea)

    assert shown in html
    assert f"2 Dec 2026, {not_shown}" not in html


def test_zone_does_not_leak_into_the_next_request_of_another_city(city, other_city):
    new_york = in_zone(city, "America/New_York")
    brussels = in_zone(other_city, "Europe/Brussels")
    ny_idea = commented_idea(new_york)
    bxl_idea = commented_idea(brussels)

    assert "2 Dec 2026, 10:00" in idea_page(new_york, ny_idea)
    # The thread that served New York is back on the site's zone ...
    assert timezone.get_current_timezone_name() == "UTC"
    # ... and the next city's page is in its own zone, not New York's.
    html = idea_page(brussels, bxl_idea)
    assert "2 Dec 2026, 16:00" in html
    assert "10:00" not in html


def test_zone_is_reset_when_the_request_fails(city):
    in_zone(city, "America/New_York")
    with pytest.raises(RuntimeError), city_context(city):
        assert timezone.get_current_timezone_name() == "America/New_York"
        raise RuntimeError("boom")
    assert timezone.get_current_timezone_name() == "UTC"


def test_unknown_stored_zone_falls_back_to_the_site_zone(city):
    in_zone(city, "Mars/Olympus_Mons")
    with city_context(city):
        assert timezone.get_current_timezone_name() == "UTC"


@city_task(name="tests.tenancy.local_time")
def local_time() -> str:
    return f"{timezone.localtime(MOMENT):%H:%M} {timezone.get_current_timezone_name()}"


def test_city_task_runs_in_the_city_zone(city):
    in_zone(city, "America/New_York")
    assert local_time.apply(args=[city.pk]).get() == "10:00 America/New_York"
    assert timezone.get_current_timezone_name() == "UTC"


def test_email_date_is_in_the_city_zone(city, settings):
    settings.EMAIL_USE_LOCALTIME = True
    in_zone(city, "America/New_York")
    person = make_member(city, email="ana@example.org")
    with time_machine.travel(MOMENT, tick=False):
        notification = add_notification(city, person)
        deliver_in(city, [notification.pk])

    assert mail.outbox[0].extra_headers["Date"].endswith("10:00:00 -0500")


def test_english_admin_change_list_dates_are_not_month_first(city):
    in_zone(city, "Europe/Brussels")
    idea = commented_idea(city)
    moderator = make_member(city, Role.MODERATOR)
    client = client_for(moderator, city)

    response = client.get("/admin/ideas/comment/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, idea
    html = response.content.decode()
    assert "2 Dec 2026, 16:00" in html
    assert not re.search(r"\b12/02/2026\b", html)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "2026-12-02 16:00"), ("fr", "02/12/2026 16:00"), ("nl", "2-12-2026 16:00")],
)
def test_short_formats_are_day_first_or_iso(city, language, expected):
    in_zone(city, "Europe/Brussels")
    template = Template('{{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    with city_context(city), translation.override(language):
        assert template.render(Context({"moment": MOMENT})) == expected


@pytest.mark.parametrize(
    ("zone", "stamp"),
    [
        ("Europe/Brussels", "2026-12-02T16:00:00+01:00"),
        ("America/New_York", "2026-12-02T10:00:00-05:00"),
    ],
)
def test_open_data_exports_local_times_with_their_offset(city, zone, stamp):
    in_zone(city, zone)
    with city_context(city):
        IdeaFactory(title="Benches", published_at=MOMENT)
    client = Client(HTTP_HOST=host_of(city))

    response = client.get("/api/v1/open-data/ideas.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    as_json = b"".join(client.get("/api/v1/open-data/ideas.json").streaming_content)

    assert rows[0]["published_at"] == stamp
    assert json.loads(as_json)["records"][0]["published_at"] == stamp
