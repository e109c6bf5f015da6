"""Following new challenges in a real browser (headless Chromium).

A resident follows one category from the keyboard, the city opens a
challenge in that category, and the resident finds it in the bell and on
the notifications page, and follows the link to the challenge. axe-core runs
on each page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import follows
from ideas.models import Challenge
from tests.conftest import make_member
from tests.factories import PASSWORD, CityFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory

pytestmark = pytest.mark.e2e

PASSWORD_LABEL = re.compile(r"^Password:?$")


def test_resident_follows_a_category_and_hears_of_the_new_challenge(
    page: Page, transactional_db, live_server, assert_accessible
):
    port = urlsplit(live_server.url).port
    city = CityFactory(slug="riverton", name="Riverton")
    make_member(city, Role.CITIZEN, email="rosa@example.org")
    with city_context(city):
        parks = CategoryFactory(name="Parks", slug="parks")
        CategoryFactory(name="Mobility", slug="mobility")

    def url(path: str) -> str:
        return f"http://riverton.localhost:{port}{path}"

    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()

    # From the city home to the choice of categories.
    page.goto(url("/"))
    page.get_by_role("link", name="Only some categories? Choose them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New challenges")
    assert_accessible(page)
    parks_box = page.get_by_role("checkbox", name="Parks")
    parks_box.focus()
    page.keyboard.press("Space")
    expect(parks_box).to_be_checked()
    page.get_by_role("button", name="Save my choice").press("Enter")
    expect(page.get_by_text("Your choice of new challenges is saved.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Parks")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Mobility")).not_to_be_checked()

    # The city opens a challenge about parks (the admin calls this service).
    with city_context(city):
        challenge = ChallengeFactory(
            slug="shade", title="Shade in our parks", phase=Challenge.Phase.IDEAS
        )
        challenge.categories.set([parks])
        assert follows.challenge_announce(challenge=challenge) == 1

    page.goto(url("/"))
    expect(page.locator(".notification-count")).to_have_text("1")
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(
        page.get_by_text("A new challenge is open for ideas: “Shade in our parks”.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Open")).first.click()
    expect(page).to_have_url(url("/challenges/shade/"))
