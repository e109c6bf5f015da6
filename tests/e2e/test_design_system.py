"""One design system on every page (issue 12, "What people see"): the
initiatives list and page, a group page, the sponsor dashboard and offer
form, and the notifications page render with the site's components — cards
with a border, shadow and padding, tags as separate boxes, secondary buttons
that do not look primary, labels above their fields — at 1280 and 390 px,
with no serious axe violation and nothing scrolling sideways at 390 px.

``STYLE_SHOTS=/tmp/dir`` keeps a full-page screenshot of each page."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.services import idea_attach_images
from sponsors.models import ResourceType, Unit
from tests.conftest import make_member
from tests.factories import CityFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory, DistrictFactory, IdeaFactory
from tests.sponsors.factories import (
    GroupMembershipFactory,
    InitiativeFactory,
    NeedFactory,
    OfferFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
SHOTS = os.environ.get("STYLE_SHOTS")
WIDTHS = (1280, 390)


@dataclass
class World:
    port: int
    user: object
    idea_pk: int
    initiative_pk: int
    group_pk: int
    sponsor_pk: int
    need_pk: int

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"


def image_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 360), (30, 140, 90)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(transactional_db, live_server, settings, tmp_path) -> World:
    """One person who administers a group with an initiative (two categories,
    a district, two needs, an offer), belongs to a verified sponsor and has
    notifications; an idea with a picture for the cards' thumbnails."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    settings.SERVE_MEDIA = True
    city = CityFactory(slug="riverton", name="Riverton", domain=HOST)
    user = make_member(city, Role.CITIZEN, email="sam@example.org")
    with city_context(city):
        green = CategoryFactory(name="Green spaces")
        mobility = CategoryFactory(name="Mobility")
        district = DistrictFactory(name="Old Town")
        challenge = ChallengeFactory(slug="green", title="A greener Riverton")
        idea = IdeaFactory(challenge=challenge, title="A pond in the park", category=green)
        idea_attach_images(
            idea=idea,
            by=idea.author,
            files=[SimpleUploadedFile("pond.jpg", image_bytes())],
            alt_texts=["A sketch of the pond"],
        )
        group = GroupMembershipFactory(user=user, group__name="River friends").group
        initiative = InitiativeFactory(group=group, title="Community garden", district=district)
        initiative.categories.set([green, mobility])
        need = NeedFactory(initiative=initiative)
        NeedFactory(
            initiative=initiative, kind=ResourceType.VOLUNTEERS, unit=Unit.PEOPLE, quantity=8
        )
        refresh(initiative)
        sponsor = SponsorFactory(name="Green Bank")
        SponsorMembershipFactory(sponsor=sponsor, user=user)
        OfferFactory(sponsor=sponsor, need=need, made_by=user, message="Happy to help.")
        for title in ("Benches by the river", "Trees on Main Street"):
            Notification.objects.create(
                city=city,
                recipient=user,
                kind="idea_published",
                payload={"title": title, "idea": idea.pk},
            )
    return World(
        port=urlsplit(live_server.url).port,
        user=user,
        idea_pk=idea.pk,
        initiative_pk=initiative.pk,
        group_pk=group.pk,
        sponsor_pk=sponsor.pk,
        need_pk=need.pk,
    )


def sign_in(context: BrowserContext, world: World) -> None:
    client = Client(HTTP_HOST=HOST)
    client.force_login(world.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": world.url("/")}])


def style(page: Page, selector: str) -> dict:
    """The computed style that tells a styled component from browser defaults."""
    return page.locator(selector).first.evaluate(
        """e => { const s = getComputedStyle(e); return {
            border: parseFloat(s.borderTopWidth), shadow: s.boxShadow,
            padding: parseFloat(s.paddingTop) + parseFloat(s.paddingLeft),
            display: s.display, background: s.backgroundColor, color: s.color,
            radius: parseFloat(s.borderTopLeftRadius), listStyle: s.listStyleType }; }"""
    )


def assert_cards_styled(page: Page) -> None:
    card = style(page, ".card")
    assert card["border"] >= 1 and card["shadow"] != "none" and card["padding"] >= 16, card
    assert card["listStyle"] == "none", card


def assert_tags_are_boxes(page: Page) -> None:
    """Each tag is its own box with a border, apart from its neighbours
    (not "Green spacesMobility")."""
    tags = page.locator(".tag-list li > span")
    assert tags.count() >= 2
    first, second = tags.nth(0).bounding_box(), tags.nth(1).bounding_box()
    assert style(page, ".tag-list li > span")["border"] >= 1
    apart = second["x"] >= first["x"] + first["width"] + 2 or second["y"] >= first["y"] + 2
    assert apart, (first, second)


def assert_secondary_differs(page: Page) -> None:
    """A secondary button is outlined (white, with a border), never filled
    like the primary one."""
    secondary = style(page, "main .secondary")
    assert secondary["background"] == "rgb(255, 255, 255)", secondary
    assert secondary["border"] >= 1 and secondary["color"] != secondary["background"], secondary
    primary = page.locator("main button:not(.secondary):not(.danger):not(.link-button)")
    if primary.count():
        filled = style(page, "main button:not(.secondary):not(.danger):not(.link-button)")
        assert filled["background"] != secondary["background"], (filled, secondary)


def assert_labels_above_fields(page: Page, form: str) -> None:
    """In a form's rows each label sits above its textarea or input."""
    fields = page.locator(f"{form} textarea, {form} input[type=number], {form} input[type=text]")
    assert fields.count() >= 1
    for i in range(fields.count()):
        field = fields.nth(i)
        field_id = field.get_attribute("id")
        label = page.locator(f"label[for='{field_id}']")
        label_box, field_box = label.bounding_box(), field.bounding_box()
        assert label_box["y"] + label_box["height"] <= field_box["y"] + 1, field_id


def assert_progress_styled(page: Page) -> None:
    bar = page.locator("progress").first
    assert bar.evaluate("e => getComputedStyle(e).appearance") == "none"
    assert bar.evaluate("e => e.getBoundingClientRect().width") > 100


def no_overflow(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


PAGES = {
    "initiatives": (lambda w: "/initiatives/", [assert_cards_styled, assert_tags_are_boxes]),
    "initiative": (
        lambda w: f"/initiatives/{w.initiative_pk}/",
        [
            assert_cards_styled,
            assert_tags_are_boxes,
            assert_secondary_differs,
            assert_progress_styled,
        ],
    ),
    "group": (lambda w: f"/groups/{w.group_pk}/", [assert_cards_styled, assert_tags_are_boxes]),
    "dashboard": (lambda w: f"/sponsors/{w.sponsor_pk}/", [assert_secondary_differs]),
    "offer": (
        lambda w: f"/needs/{w.need_pk}/offer/",
        [lambda page: assert_labels_above_fields(page, "main form")],
    ),
    "notifications": (lambda w: "/notifications/", [assert_secondary_differs]),
    "preferences": (lambda w: "/notifications/preferences/", []),
    "challenge": (lambda w: "/challenges/green/", [assert_cards_styled, assert_tags_are_boxes]),
}


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_use_the_design_system(browser: Browser, world: World, assert_accessible, width):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, extra_http_headers={"Accept-Language": "en"}
    )
    sign_in(context, world)
    page = context.new_page()
    for name, (path, checks) in PAGES.items():
        response = page.goto(world.url(path(world)))
        assert response is not None and response.status == 200, name
        assert_accessible(page)
        for check in checks:
            check(page)
        if width == 390:
            no_overflow(page, width)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    context.close()


def test_an_idea_card_shows_its_picture(browser: Browser, world: World):
    """The challenge's cards show an idea's first image as a thumbnail,
    loaded under the CSP and cropped to the card's width."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(world.url("/challenges/green/"))
    thumb = page.locator(".card .card-thumb").first
    thumb.wait_for()
    assert thumb.evaluate("e => e.complete && e.naturalWidth > 0")
    card_width = page.locator(".card").first.bounding_box()["width"]
    assert abs(thumb.bounding_box()["width"] - card_width) <= 2
    context.close()


def test_focus_is_visible_on_buttons_and_cards(browser: Browser, world: World):
    """Keyboard focus on a card's link and a button draws the site's ring."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    sign_in(context, world)
    page = context.new_page()
    page.goto(world.url("/initiatives/"))
    link = page.locator(".card .card-link").first
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert link.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    context.close()
