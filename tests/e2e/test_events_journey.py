"""Issue 16's event journey in a real browser (headless Chromium): a
citizen finds the city's workshop from the home page, reads its
accessibility information, registers; a second citizen finds it full and
joins the waiting list; the first cancels (after a confirmation page) and
the second moves up. axe-core runs on the list, the event page (in each
state) and the confirmation page. Every step works without JavaScript:
the forms are plain POSTs."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from events.models import Event, Registration
from tests.conftest import make_member
from tests.factories import PASSWORD, CityFactory
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
TITLE = "Workshop: greener squares"
PASSWORD_LABEL = re.compile(r"^Password:?$")


@pytest.fixture
def world(transactional_db, live_server, settings):
    port = urlsplit(live_server.url).port
    settings.PUBLIC_URL_SCHEME = "http"
    settings.PUBLIC_URL_PORT = port
    city = CityFactory(slug="riverton", name="Riverton")
    make_member(city, Role.CITIZEN, email="ada@riverton.example")
    make_member(city, Role.CITIZEN, email="bob@riverton.example")
    start = timezone.now() + timedelta(days=5)
    with city_context(city):
        challenge = ChallengeFactory(slug="green", title="Greener squares")
        event = Event.objects.create(
            city=city,
            challenge=challenge,
            title=TITLE,
            description="We sketch ideas together.",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place_name="Town hall, room 2",
            address="Market Square 1",
            latitude=50.85,
            longitude=4.35,
            step_free=True,
            hearing_loop=True,
            language_support="French and Dutch spoken",
            capacity=1,
        )
        # A past workshop: the list's collapsed "past events" section.
        Event.objects.create(
            city=city,
            title="Workshop: safer school streets",
            starts_at=start - timedelta(days=30),
            ends_at=start - timedelta(days=30) + timedelta(hours=2),
            place_name="Library",
        )
    return {"city": city, "event": event, "url": lambda path="/": f"http://{HOST}:{port}{path}"}


def sign_in(page: Page, world, email: str) -> None:
    page.goto(world["url"]("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()


def test_register_wait_and_move_up(page: Page, browser: Browser, world, assert_accessible):
    url = world["url"]
    # 1. Ada finds the workshop from the home page and the events list.
    sign_in(page, world, "ada@riverton.example")
    page.goto(url("/"))
    expect(page.get_by_role("heading", name="Upcoming events")).to_be_visible()
    page.get_by_role("link", name="Events", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    page.get_by_text("Show 1 past event").click()
    expect(page.get_by_role("link", name="Workshop: safer school streets")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Step-free access: yes")).to_be_visible()
    expect(page.get_by_text("Hearing loop: yes")).to_be_visible()
    assert_accessible(page)

    # 2. She registers: the last place.
    page.get_by_role("button", name="Register").click()
    expect(
        page.get_by_text("You are registered. We will remind you the day before.")
    ).to_be_visible()
    expect(page.get_by_text("1 of 1 places taken")).to_be_visible()
    assert_accessible(page)

    # 3. Bob finds it full and joins the waiting list.
    context = browser.new_context()
    bob = context.new_page()
    sign_in(bob, world, "bob@riverton.example")
    bob.goto(url(f"/events/{world['event'].pk}/"))
    expect(bob.get_by_text("This event is full.")).to_be_visible()
    bob.get_by_role("button", name="Join the waiting list").click()
    expect(bob.get_by_text("You are on the waiting list, number 1.")).to_be_visible()
    assert_accessible(bob)

    # 4. Ada cancels, after a confirmation page; Bob moves up.
    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your registration?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_text("Your registration is cancelled.")).to_be_visible()
    bob.reload()
    expect(bob.get_by_text("You are registered.")).to_be_visible()
    with city_context(world["city"]):
        statuses = dict(Registration.objects.values_list("user__email", "status"))
    assert statuses == {"ada@riverton.example": "cancelled", "bob@riverton.example": "registered"}
    context.close()
