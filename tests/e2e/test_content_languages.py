"""City content in the visitor's language in a real browser (issue 13):
Lakeside (French by default, Dutch too) shows its challenge in French or
Dutch; a text without a Dutch translation falls back to French and carries
``lang="fr"``; the privacy notice likewise; no serious axe violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicideas.content.translations import set_translation
from civicideas.tenancy import city_context
from ideas.models import Challenge
from tests.factories import CityFactory
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def lakeside(transactional_db):
    city = CityFactory(
        slug="lakeside", name="Lakeside", languages=["fr", "nl"], default_language="fr"
    )
    city.home_intro = "Bienvenue"
    city.privacy_notice = "Vos données restent chez nous."
    set_translation(city, "nl", {"home_intro": "Welkom"})
    city.save()
    with city_context(city):
        challenge = ChallengeFactory(
            slug="places",
            title="Des places plus vertes",
            summary="Plantons des arbres",
            description="Où planter **des arbres** ?",
            phase=Challenge.Phase.IDEAS,
        )
        # No Dutch description: it falls back to French.
        set_translation(
            challenge, "nl", {"title": "Groenere pleinen", "summary": "Laten we bomen planten"}
        )
        challenge.save()
    return city


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("fr", "Des places plus vertes", "Plantons des arbres"),
        ("nl", "Groenere pleinen", "Laten we bomen planten"),
    ],
)
def test_the_challenge_in_the_visitors_language(
    page, site_url, lakeside, assert_accessible, language, title, summary
):
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(site_url("lakeside.localhost", "/challenges/places/"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    heading = page.locator("h1")
    expect(heading).to_have_text(title)
    expect(page.locator("p.lead")).to_have_text(summary)
    description = page.locator(".challenge .markdown")
    expect(description).to_contain_text("Où planter")
    if language == "nl":
        # The fallback is marked, so a screen reader reads it in French.
        expect(description).to_have_attribute("lang", "fr")
        assert heading.get_attribute("lang") is None
    else:
        assert description.get_attribute("lang") is None
    assert_accessible(page)


def test_the_home_and_privacy_pages_fall_back_with_lang(
    page, site_url, lakeside, assert_accessible
):
    page.set_extra_http_headers({"Accept-Language": "nl"})
    page.goto(site_url("lakeside.localhost", "/"))
    expect(page.locator(".hero-intro")).to_have_text("Welkom")
    expect(page.get_by_role("link", name="Groenere pleinen")).to_be_visible()
    # (The link text is a new msgid: in Dutch once the catalogues have it.)
    page.locator('footer a[href="/privacy/"]').click()
    notice = page.locator("main .markdown")
    expect(notice).to_have_text("Vos données restent chez nous.")
    expect(notice).to_have_attribute("lang", "fr")
    assert_accessible(page)
