"""The public pages in a real browser: axe-core finds no serious or critical
accessibility violation, the keyboard path works, the language switcher
switches, and the city home looks right (screenshot)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.factories import CityFactory

pytestmark = pytest.mark.e2e

# Kept after the run for a person to look at (in /tmp on Linux).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))
SCREENSHOT = SCREENSHOTS / "civicideas-riverton-home.png"
SCREENSHOT_LIGHT_BRAND = SCREENSHOTS / "civicideas-lakeside-login.png"


@pytest.fixture
def cities(transactional_db):
    """Riverton (en, fr, nl) and Lakeside (fr, en; French by default)."""
    riverton = CityFactory(slug="riverton", name="Riverton")
    lakeside = CityFactory(
        slug="lakeside",
        name="Lakeside",
        languages=["fr", "en"],
        default_language="fr",
        colour="#ffdd00",  # a light brand colour must still give readable text
    )
    return riverton, lakeside


@pytest.mark.parametrize(
    ("hostname", "path", "accept_language", "heading"),
    [
        ("riverton.localhost", "/", "en", "Ideas for Riverton"),
        # Lakeside does not offer Dutch: its default, French, is served.
        ("lakeside.localhost", "/", "nl", "Idées pour Lakeside"),
        ("riverton.localhost", "/", "nl", "Ideeën voor Riverton"),
        ("localhost", "/", "en", "Cities on civicideas"),
        ("riverton.localhost", "/accessibility/", "en", "Accessibility statement"),
        ("riverton.localhost", "/accounts/login/", "en", "Sign In"),
        ("riverton.localhost", "/accounts/signup/", "en", "Sign Up"),
        ("riverton.localhost", "/no-such-page/", "en", "Page not found"),
    ],
)
def test_page_has_no_serious_accessibility_violations(
    page, site_url, cities, assert_accessible, hostname, path, accept_language, heading
):
    page.set_extra_http_headers({"Accept-Language": accept_language})
    response = page.goto(site_url(hostname, path))
    assert response is not None
    assert page.locator("h1").first.inner_text().strip() == heading
    assert page.locator("main#main").count() == 1
    assert_accessible(page)


def test_unknown_host_gets_an_accessible_404(page, site_url, cities, assert_accessible):
    response = page.goto(site_url("nowhere.localhost"))
    assert response.status == 404
    assert "nowhere.localhost" in page.locator("main").inner_text()
    assert_accessible(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, site_url, cities):
    page.goto(site_url("riverton.localhost"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    skip = page.locator(".skip-link")
    # Visible when focused, with a visible focus outline.
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab continues inside main, not back at the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_language_switcher_changes_the_page_language(page, site_url, cities):
    page.set_extra_http_headers({"Accept-Language": "nl"})  # not offered: French default
    page.goto(site_url("lakeside.localhost", "/accessibility/"))
    assert page.locator("html").get_attribute("lang") == "fr"
    options = page.locator("#language-select option")
    assert options.evaluate_all("os => os.map(o => o.value)") == ["fr", "en"]
    page.get_by_label("Langue").select_option("en")
    with page.expect_navigation():
        page.locator(".language-switcher button").click()
    assert page.url.endswith("/accessibility/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Accessibility statement"


def test_city_home_screenshot(page, site_url, cities):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site_url("riverton.localhost"))
    assert page.locator(".site-header").inner_text().startswith("Riverton")
    # The stylesheet loaded: the hero band has the brand colour.
    hero_bg = page.locator(".hero").evaluate("e => getComputedStyle(e).backgroundColor")
    assert hero_bg == "rgb(29, 78, 137)"
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_light_brand_colour_keeps_text_readable(page, site_url, cities, assert_accessible):
    """Lakeside's yellow: dark text on the yellow band, darkened links."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site_url("lakeside.localhost", "/accounts/login/"))
    button = page.locator("main button[type=submit]")
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 221, 0)"
    assert_accessible(page)
    page.screenshot(path=SCREENSHOT_LIGHT_BRAND, full_page=True)
