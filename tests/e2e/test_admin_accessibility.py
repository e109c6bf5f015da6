"""Issue 12: every back-office page a city admin uses daily, checked by axe
(no serious or critical violation) and without page-level sideways
scrolling at 1280 px: wide tables scroll in their own container."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page

from civicideas.tenancy import city_context
from ideas.models import Report
from tests.evaluation.conftest import World
from tests.evaluation.test_admin import submit_all
from tests.factories import UserFactory
from tests.sponsors.factories import OfferFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"


@pytest.fixture
def world(transactional_db, live_server, city, other_city):
    world = World(city, other_city)
    submit_all(world)
    with city_context(city):
        Report.objects.create(city=city, idea=world.ideas[1], reporter=UserFactory(), reason="Rude")
        OfferFactory()
        OfferFactory()
    world.port = urlsplit(live_server.url).port
    return world


def sign_in(page: Page, world, user) -> None:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": f"http://{HOST}:{world.port}/"}]
    )


def admin_paths(world) -> list[str]:
    return [
        "/admin/",
        f"/admin/tenancy/city/{world.riverton.pk}/change/",
        "/admin/ideas/idea/",
        f"/admin/ideas/idea/{world.ideas[0].pk}/change/",
        f"/admin/ideas/challenge/{world.challenge.pk}/change/",
        f"/admin/evaluation/rubric/{world.rubric.pk}/change/",
        "/admin/ideas/idea/moderation/",
        f"/admin/evaluation/challengeevaluation/{world.settings.pk}/ranking/",
        "/admin/sponsors/initiative/",
        "/admin/sponsors/offer/",
    ]


def test_admin_pages_pass_axe_and_fit_1280(page: Page, world, assert_accessible):
    sign_in(page, world, world.admin)
    page.set_viewport_size({"width": 1280, "height": 900})
    missing: list[str] = []
    problems: list[str] = []
    page.on(
        "response",
        lambda r: missing.append(r.url) if r.status == 404 and "/static/" in r.url else None,
    )
    for path in admin_paths(world):
        response = page.goto(f"http://{HOST}:{world.port}{path}")
        assert response.status == 200, path
        try:
            violations = assert_accessible(page)
            if any(v["id"] == "empty-table-header" for v in violations):
                problems.append(f"{path} has an empty table header")
        except AssertionError as error:
            problems.append(str(error).split("\nassert")[0])
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{path} is {overflow}px too wide at 1280 px")
    assert not problems, "\n".join(problems)
    assert not missing, missing
    # The admin's pages name their icon (no 404 for /favicon.ico).
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")


def test_city_settings_and_ranking_fit_390(page: Page, world, assert_accessible):
    sign_in(page, world, world.admin)
    page.set_viewport_size({"width": 390, "height": 900})
    for path in (
        f"/admin/tenancy/city/{world.riverton.pk}/change/",
        f"/admin/evaluation/challengeevaluation/{world.settings.pk}/ranking/",
    ):
        page.goto(f"http://{HOST}:{world.port}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px too wide at 390 px"
        assert_accessible(page)  # tables that scroll can be reached by keyboard


def test_city_colour_contrast_is_shown_as_it_changes(page: Page, world):
    sign_in(page, world, world.admin)
    page.goto(f"http://{HOST}:{world.port}/admin/tenancy/city/{world.riverton.pk}/change/")
    output = page.locator("#id_colour_contrast")
    assert "(readable)" in output.text_content()
    page.locator("#id_colour").fill("#ffff00")
    assert "At least 4.5:1 is needed" in output.text_content()
    assert "contrast-low" in output.get_attribute("class")
    described = page.locator("#id_colour").get_attribute("aria-describedby")
    assert "id_colour_contrast" in described
