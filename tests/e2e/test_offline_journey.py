"""A paper idea in a real browser (headless Chromium): a moderator types in
an idea handed in on paper from the admin, for a resident invited by
e-mail; the resident follows the link, signs in with that address and
claims it. axe-core runs on each page."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Idea
from tests.conftest import make_member
from tests.factories import PASSWORD, CityFactory, UserFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory, DistrictFactory

pytestmark = pytest.mark.e2e

PASSWORD_LABEL = re.compile(r"^Password:?$")


def _sign_in(page: Page, url, email: str) -> None:
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()


def test_staff_enter_a_paper_idea_that_the_resident_claims(
    page: Page, transactional_db, live_server, assert_accessible
):
    port = urlsplit(live_server.url).port
    city = CityFactory(slug="riverton", name="Riverton")
    make_member(city, Role.MODERATOR, email="mo@example.org")
    with city_context(city):
        challenge = ChallengeFactory(slug="green", title="A greener Riverton")
        challenge.categories.add(CategoryFactory(name="Parks"))
        DistrictFactory(name="Old Town")

    def url(path: str) -> str:
        return f"http://riverton.localhost:{port}{path}"

    # The moderator, from the admin's list of ideas.
    _sign_in(page, url, "mo@example.org")
    page.goto(url("/admin/ideas/idea/"))
    page.get_by_role("link", name="Enter an idea on behalf of someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter an idea on behalf of someone")
    assert_accessible(page)
    page.get_by_label("Challenge").select_option(label="A greener Riverton")
    page.get_by_label("How was the idea given?").select_option("paper")
    given = timezone.localdate() - timedelta(days=3)
    page.get_by_label("Given on").fill(given.isoformat())
    page.get_by_label("Title").fill("Swings for the Old Town park")
    page.get_by_label("Description").fill("Handed in at the library on a paper form.")
    page.get_by_label("Category").select_option(label="Parks")
    page.get_by_label("District").select_option(label="Old Town")
    page.get_by_label("Invite the person by e-mail to claim the idea").check()
    page.get_by_label("The person's e-mail address").fill("ana@example.org")
    # Without consent the form says what is missing, and nothing is written.
    page.get_by_role("button", name="Enter the idea").click()
    expect(page.get_by_role("alert")).to_contain_text("must agree")
    assert_accessible(page)
    page.get_by_label("The person agreed that their idea is published").check()
    page.get_by_role("button", name="Enter the idea").click()
    expect(page.get_by_text("The idea is entered and published.")).to_be_visible()
    expect(page.get_by_text(f"Submitted on paper on {given.day} {given:%B}")).to_be_visible()
    with city_context(city):
        idea = Idea.objects.get()
        assert idea.author_id is None

    # The invitation e-mail, and the resident who follows its link.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/ideas/claim/\S+/", mail.outbox[0].body).group(0)
    claim_path = urlsplit(link).path
    page.context.clear_cookies()
    UserFactory(email="ana@example.org")
    page.goto(url(claim_path))
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your idea")
    assert_accessible(page)
    page.locator("#main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(url(claim_path))
    page.get_by_role("button", name="Make this idea mine").click()
    expect(page.get_by_text("The idea is yours now.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Swings for the Old Town park")
    assert_accessible(page)
    with city_context(city):
        idea.refresh_from_db()
        assert idea.author.email == "ana@example.org"
