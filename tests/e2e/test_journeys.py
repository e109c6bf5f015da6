"""Issue 12's pages in a real browser (headless Chromium): the challenges
archive, a challenge's timeline, the groups directory, a resident offering
time on a volunteers need and the confirmation step; axe-core on each page,
keyboard only."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Challenge
from sponsors.models import ResourceType, Unit
from tests.conftest import make_member
from tests.factories import PASSWORD, CityFactory
from tests.ideas.factories import ChallengeFactory
from tests.sponsors.factories import InitiativeFactory, NeedFactory

pytestmark = pytest.mark.e2e

PASSWORD_LABEL = re.compile(r"^Password:?$")


def test_archive_timeline_and_offering_time(
    page: Page, transactional_db, live_server, assert_accessible
):
    port = urlsplit(live_server.url).port
    city = CityFactory(slug="riverton", name="Riverton")
    make_member(city, Role.CITIZEN, email="rosa@example.org")
    now = timezone.now()
    with city_context(city):
        ChallengeFactory(
            title="Shade on the squares",
            slug="shade",
            phase=Challenge.Phase.SUPPORTS,
            ideas_deadline=now - timedelta(days=3),
            supports_deadline=now + timedelta(days=20),
        )
        ChallengeFactory(title="Old question", phase=Challenge.Phase.CLOSED)
        initiative = InitiativeFactory(title="Planting day")
        NeedFactory(
            initiative=initiative, kind=ResourceType.VOLUNTEERS, unit=Unit.HOURS, quantity=20
        )

    def url(path: str) -> str:
        return f"http://riverton.localhost:{port}{path}"

    page.goto(url("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Challenges").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenges")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Challenges")
    ).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Closed")).press("Enter")
    expect(page.get_by_role("link", name="Old question", exact=True)).to_be_visible()
    assert_accessible(page)
    page.goto(url("/challenges/shade/"))
    current = page.locator('.phase-timeline li[aria-current="step"]')
    expect(current).to_contain_text("Open for supports")
    assert_accessible(page)

    page.goto(url("/groups/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Community groups")
    assert_accessible(page)

    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(url(f"/initiatives/{initiative.pk}/"))
    page.get_by_role("link", name=re.compile("Offer your time")).press("Enter")
    assert_accessible(page)
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Send the offer").press("Enter")
    expect(page.get_by_text("Thank you: your offer of help is sent to the group.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Withdraw this offer")).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw this offer?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, withdraw the offer").press("Enter")
    expect(page.get_by_text("Your offer is withdrawn.")).to_be_visible()
