"""The practice exchange in a real browser (issue 15), axe on each page:
Riverton's admin publishes a practice from the admin, anyone finds it on the
platform host by searching, Lakeside's admin (French) adopts it, finds the
draft challenge in Lakeside's admin in French, opens and publishes its own
outcome, and the side-by-side evidence compares both cities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from exchange.models import Adoption, Practice
from tests.exchange.conftest import world  # noqa: F401 - the fixture
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def _login(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_publish_search_adopt_and_compare(
    page: Page,
    transactional_db,
    world,  # noqa: F811 - the fixture imported above
    site_url,
    assert_accessible,
):
    riverton = "riverton.localhost"
    lakeside = "lakeside.localhost"

    # Riverton's admin: from the admin dashboard to the publish form.
    _login(page, site_url(riverton, "/accounts/login/"), "admin@riverton.example")
    page.goto(site_url(riverton, "/admin/"))
    exchange = page.locator("#practice-exchange")
    expect(exchange).to_be_visible()
    exchange.get_by_role("link", name="Publish as a practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish as a practice")
    assert_accessible(page)
    page.get_by_role("checkbox", name="Greener streets").check()
    page.locator("#id_title_en").fill("Greener streets chosen by residents")
    page.locator("#id_summary_en").fill("Residents proposed trees; a panel scored them.")
    page.locator("#id_title_fr").fill("Des rues plus vertes choisies par les habitants")
    page.locator("#id_contact_email").fill("participation@riverton.example")
    page.get_by_role("checkbox", name="Environment and climate").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Greener streets chosen by residents")
    expect(page.locator("#evidence")).to_contain_text("Participants")
    assert_accessible(page)
    practice = Practice.objects.get()

    # Anyone, on the platform host: search, then the practice.
    page.goto(site_url("localhost", "/practices/"))
    assert_accessible(page)
    page.get_by_label("Search").fill("resident")
    page.get_by_role("button", name="Show practices").click()
    card = page.get_by_role("link", name="Greener streets chosen by residents")
    expect(card).to_be_visible()
    card.click()
    expect(page.locator("#evidence")).to_contain_text("Ideas")
    assert_accessible(page)

    # Lakeside's admin, in French, adopts it on Lakeside's host.
    _login(page, site_url(lakeside, "/accounts/login/"), "admin@lakeside.example")
    # The browser asks for English, which Lakeside offers too: choose French.
    page.goto(site_url(lakeside, f"/language/?language=fr&next=/practices/{practice.slug}/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)
    starts = (timezone.localdate() + timedelta(days=30)).isoformat()
    page.locator("input[name=starts_on]").fill(starts)
    page.locator(f"form[action='/practices/{practice.slug}/adopt/'] button").click()

    # The draft challenge in Lakeside's admin, in French.
    expect(page).to_have_url(
        site_url(lakeside, f"/admin/ideas/challenge/{Adoption.objects.get().challenge_id}/change/")
    )
    expect(page.locator("input[name=title]")).to_have_value("Des rues plus vertes")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)

    # Lakeside runs it (the admin opens it) and publishes its own outcome.
    from ideas.models import Challenge

    with city_context(world.lakeside):
        Challenge.objects.filter(pk=Adoption.objects.get().challenge_id).update(phase="ideas")
    page.goto(site_url(lakeside, "/practices/publish/"))
    page.get_by_role("checkbox", name="Des rues plus vertes").check()
    page.locator("#id_title_fr").fill("Des rues plus vertes à Lakeside")
    page.locator("#id_contact_email").fill("participation@lakeside.example")
    page.locator("form.stacked-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Des rues plus vertes à Lakeside")

    # Side by side, on the original's page on the platform host.
    page.goto(site_url("localhost", f"/practices/{practice.slug}/"))
    table = page.locator("#side-by-side")
    expect(table).to_contain_text("Riverton")
    expect(table).to_contain_text("Lakeside")
    expect(page.get_by_text("1 city")).to_be_visible()
    assert_accessible(page)
