"""Issue 13 in a real browser: sign-up shows the city's privacy notice and
needs its box ticked; after the city raises the notice's version, a signed-in
person is stopped on the accept page, accepts and goes on to where they were
heading. axe-core runs on the notice, the sign-up page, the accept page and
the accessibility statement.

``PRIVACY_SHOTS=/tmp/shots`` also saves screenshots at 1280 and 390 px.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from civicideas.accounts.models import Consent
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from tests.conftest import make_member
from tests.factories import PASSWORD, CityFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
PASSWORD_LABEL = re.compile(r"^Password:?$")
SHOTS = os.environ.get("PRIVACY_SHOTS")


def shoot(page: Page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def riverton(transactional_db, live_server):
    city = CityFactory(slug="riverton", name="Riverton", contact_email="privacy@riverton.example")
    port = urlsplit(live_server.url).port
    city.url = lambda path="/": f"http://{HOST}:{port}{path}"
    return city


def test_sign_up_shows_the_notice_and_needs_acceptance(page: Page, riverton, assert_accessible):
    page.goto(riverton.url("/accounts/signup/"))
    assert_accessible(page)
    page.get_by_text("Read how your personal data is used").click()
    expect(page.get_by_text("Riverton runs this participation website")).to_be_visible()
    assert_accessible(page)
    shoot(page, "signup-notice")

    page.get_by_label("Email").fill("new.resident@example.org")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    # Without the box the browser does not send the form (the field is
    # required); the server's own refusal is tests/accounts/test_privacy.py.
    box = page.get_by_label("I have read and accept the privacy notice")
    assert box.evaluate("el => el.validity.valueMissing")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    assert not get_user_model().objects.filter(email="new.resident@example.org").exists()

    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    user = get_user_model().objects.get(email="new.resident@example.org")
    with city_context(riverton):
        assert list(Consent.objects.filter(user=user).values_list("version", flat=True)) == [1]

    # The notice's own page, linked from the footer.
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    assert_accessible(page)
    shoot(page, "privacy")


def test_a_new_version_is_accepted_before_going_on(page: Page, riverton, assert_accessible):
    citizen = make_member(riverton, Role.CITIZEN, email="citizen@example.org")
    City.objects.filter(pk=riverton.pk).update(
        privacy_version=2, privacy_notice="### What changed\n\nWe now keep **less**."
    )
    page.goto(riverton.url("/accounts/login/?next=/me/profile/"))
    page.get_by_label("Email").fill("citizen@example.org")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Our privacy notice has changed")
    expect(page.get_by_text("We now keep less.")).to_be_visible()
    assert_accessible(page)
    shoot(page, "privacy-accept")

    page.get_by_role("button", name="Accept and go on").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)

    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Accept and go on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    with city_context(riverton):
        assert list(Consent.objects.filter(user=citizen).values_list("version", flat=True)) == [2]
    page.goto(riverton.url("/"))
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Our privacy notice has changed")


def test_accessibility_statement(page: Page, riverton, assert_accessible):
    page.goto(riverton.url("/accessibility/"))
    expect(page.get_by_role("heading", level=2, name="Compliance status")).to_be_visible()
    expect(
        page.get_by_role("main").get_by_role("link", name="privacy@riverton.example")
    ).to_be_visible()
    assert_accessible(page)
    shoot(page, "accessibility")
