"""Issue 12 in a real browser: the map of ideas (markers, the list for
keyboard users, the location picker) and the back office's main pages
(dashboard, idea list, idea page, moderation queue), each checked by axe,
and the read-only idea page at 390 px without sideways scrolling."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Challenge, Report
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.factories import CityFactory, UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
LOCATED = 4


@pytest.fixture
def world(transactional_db, live_server):
    city = CityFactory(
        slug="riverton",
        name="Riverton",
        min_latitude=Decimal("50.40"),
        max_latitude=Decimal("50.50"),
        min_longitude=Decimal("4.80"),
        max_longitude=Decimal("4.95"),
    )
    with city_context(city):
        challenge = ChallengeFactory(
            slug="green", phase=Challenge.Phase.IDEAS, require_verified_email=False
        )
        for n in range(LOCATED):
            IdeaFactory(
                challenge=challenge,
                title=f"Located idea {n}",
                latitude=Decimal("50.42") + Decimal(n) / 100,
                longitude=Decimal("4.85") + Decimal(n) / 100,
                support_count=n,
            )
        IdeaFactory(challenge=challenge, title="Without a place")
        IdeaFactory(
            challenge=challenge,
            title="Pending with a place",
            status=IdeaStatus.PENDING,
            latitude=Decimal("50.45"),
            longitude=Decimal("4.9"),
        )
        reported = IdeaFactory(challenge=challenge, title="Reported idea")
        Report.objects.create(city=city, idea=reported, reporter=UserFactory(), reason="Rude")
    port = urlsplit(live_server.url).port
    return {
        "city": city,
        "reported": reported,
        "url": lambda path="/": f"http://{HOST}:{port}{path}",
    }


def sign_in(page: Page, world, user) -> None:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": world["url"]("/")}]
    )


def test_city_map_markers_list_and_axe(page: Page, world, assert_accessible):
    page.goto(world["url"]("/map/"))
    expect(page.locator("#idea-map.leaflet-container")).to_be_visible()
    markers = page.locator("#idea-map .leaflet-marker-icon")
    expect(markers).to_have_count(LOCATED)
    assert page.get_by_text("No map background is configured").is_visible()
    # A marker's popup names the idea and links to it.
    markers.first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("link")).to_have_count(1)
    assert popup.get_by_role("link").get_attribute("href").startswith("/ideas/")
    assert_accessible(page)

    # The same ideas as a list, opened and followed with the keyboard only.
    page.goto(world["url"]("/map/"))
    summary = page.locator(".map-list summary")
    summary.focus()
    page.keyboard.press("Enter")
    links = page.locator(".map-list li a")
    expect(links).to_have_count(LOCATED)
    expect(links.first).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Located idea 3"
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Located idea 3")


def test_challenge_page_map_and_picker(page: Page, world, assert_accessible):
    page.goto(world["url"]("/challenges/green/"))
    expect(page.locator("#idea-map .leaflet-marker-icon")).to_have_count(LOCATED)
    assert_accessible(page)

    citizen = make_member(world["city"], Role.CITIZEN)
    sign_in(page, world, citizen)
    page.goto(world["url"]("/challenges/green/submit/"))
    picker = page.locator("[data-location-picker]")
    expect(picker).to_be_visible()
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    assert 50.40 <= latitude <= 50.50 and 4.80 <= longitude <= 4.95
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)
    assert_accessible(page)


def test_without_javascript_the_list_is_the_map(browser, world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(world["url"]("/map/"))
    assert not page.locator("#idea-map").is_visible()
    page.locator(".map-list summary").click()
    expect(page.locator(".map-list li a")).to_have_count(LOCATED)
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/ideas/idea/",
        "/admin/ideas/idea/{reported}/change/",
        "/admin/ideas/idea/moderation/",
    ],
)
def test_admin_pages_are_accessible_and_fit_390px(page: Page, world, assert_accessible, path):
    admin = make_member(world["city"], Role.CITY_ADMIN)
    sign_in(page, world, admin)
    url = world["url"](path.format(reported=world["reported"].pk))
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.goto(url).status == 200
    if path == "/admin/":
        expect(page.locator("[data-counter='ideas.moderation'] .dashboard-count")).to_have_text("2")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 900})
    page.reload()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} is {overflow}px too wide at 390 px"
