"""Issue 5's sponsor journey in a real browser (headless Chromium).

In a demo-like Riverton (categories, districts, an approved community group
with two published initiatives and a city match fund), a business signs up
and registers as a sponsor; the city admin verifies it in the admin; the
sponsor's dashboard shows ranked, explained matches; the sponsor offers
funding on a need; the group's admin accepts it, and the need's fulfilled
quantity, the initiative's status and the match fund's remaining budget
change on the pages; finally the facilitator introduces another sponsor to
the initiative from the admin. axe-core runs on every public page.

The match recomputation the services queue after commit would run on a
Celery worker; here the tasks' ``delay`` runs them at once, in the live
server's thread (``worker`` fixture), which is what a worker does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from sponsors import services, tasks
from sponsors.models import (
    Initiative,
    InitiativeStatus,
    Introduction,
    MatchFund,
    Need,
    Offer,
    Sponsor,
)
from tests.conftest import make_member
from tests.factories import PASSWORD, CityFactory
from tests.ideas.factories import CategoryFactory, DistrictFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
SPONSOR_EMAIL = "hello@greenbank.example"
SPONSOR_PASSWORD = "a-long-and-unusual-passphrase-57"
SPONSOR_NAME = "Green Bank Riverton"
GARDEN = "Community garden behind the library"
CINEMA = "Open-air cinema in summer"
PASSWORD_LABEL = re.compile(r"^Password:?$")


@pytest.fixture
def worker():
    """Run the queued match recomputations at once, like a worker would."""

    def run(task):
        return lambda *args, **kwargs: task.apply(args=args, kwargs=kwargs, throw=True)

    with (
        mock.patch.object(
            tasks.recompute_sponsor_matches, "delay", run(tasks.recompute_sponsor_matches)
        ),
        mock.patch.object(
            tasks.recompute_initiative_matches, "delay", run(tasks.recompute_initiative_matches)
        ),
    ):
        yield


@dataclass
class World:
    city: City
    garden: Initiative
    garden_funding: Need
    cinema: Initiative
    other_sponsor: Sponsor
    url: Callable[[str], str]


@pytest.fixture
def world(transactional_db, live_server, settings, worker) -> World:
    port = urlsplit(live_server.url).port
    settings.PUBLIC_URL_SCHEME = "http"
    settings.PUBLIC_URL_PORT = port
    city = CityFactory(slug="riverton", name="Riverton")
    admin = make_member(city, Role.CITY_ADMIN, email="admin@riverton.example")
    gardener = make_member(city, Role.CITIZEN, email="gardener@riverton.example")
    musician = make_member(city, Role.CITIZEN, email="musician@riverton.example")
    today = timezone.localdate()
    with city_context(city):
        green = CategoryFactory(name="Green space", slug="green")
        culture = CategoryFactory(name="Culture", slug="culture")
        CategoryFactory(name="Mobility", slug="mobility")
        old_town = DistrictFactory(name="Old Town")
        DistrictFactory(name="Harbour")
        group = services.group_create(
            by=gardener,
            name="Riverside Gardeners",
            description="We grow vegetables and flowers on empty lots.",
            contact_email=gardener.email,
        )
        services.group_approve(group=group, by=admin)
        garden = services.initiative_create(
            group=group,
            by=gardener,
            title=GARDEN,
            summary="Turn the empty lot into vegetable beds and a flower garden.",
            description="Vegetable beds, **flowers** and a tool shed.",
            categories=[green],
            district=old_town,
        )
        funding = services.need_add(
            initiative=garden,
            by=gardener,
            kind="funding",
            quantity=Decimal(2000),
            unit="eur",
            description="Wood for the beds",
            deadline=today + timedelta(days=10),
        )
        services.need_add(
            initiative=garden, by=gardener, kind="volunteers", quantity=Decimal(10), unit="people"
        )
        services.initiative_publish(initiative=garden, by=gardener)
        band = services.group_create(
            by=musician, name="Youth Music Collective", contact_email=musician.email
        )
        services.group_approve(group=band, by=admin)
        cinema = services.initiative_create(
            group=band,
            by=musician,
            title=CINEMA,
            summary="Films on the square.",
            categories=[culture],
        )
        services.need_add(
            initiative=cinema, by=musician, kind="funding", quantity=Decimal(800), unit="eur"
        )
        services.initiative_publish(initiative=cinema, by=musician)
        services.match_fund_set(
            by=admin,
            name="Riverton match fund",
            ratio=Decimal(1),
            cap_per_initiative=Decimal(500),
            total_budget=Decimal(800),
        )
        other = services.sponsor_register(
            by=make_member(city, email="tools@riverton.example"),
            name="Hardware Corner",
            kind="business",
            contact_email="tools@riverton.example",
            resource_types=["volunteers"],
            city_wide=True,
        )
    return World(
        city=city,
        garden=garden,
        garden_funding=funding,
        cinema=cinema,
        other_sponsor=other,
        url=lambda path="/": f"http://{HOST}:{port}{path}",
    )


def sign_in(page: Page, world: World, email: str, password: str = PASSWORD) -> None:
    page.goto(world.url("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()


def test_sponsor_journey_from_sign_up_to_an_introduction(
    page: Page, browser: Browser, world: World, assert_accessible
):
    # 1. The sponsor's contact signs up and confirms the email.
    page.goto(world.url("/accounts/signup/"))
    page.get_by_label("Email").fill(SPONSOR_EMAIL)
    page.get_by_label(PASSWORD_LABEL).fill(SPONSOR_PASSWORD)
    page.get_by_label("Password (again)").fill(SPONSOR_PASSWORD)
    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    [message] = [m for m in mail.outbox if SPONSOR_EMAIL in m.to]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body)
    assert link, message.body
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()

    # 2. From the initiatives page to the sponsor registration.
    page.goto(world.url("/initiatives/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Initiatives")
    expect(page.get_by_role("link", name=GARDEN)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Become a sponsor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Become a sponsor")
    assert_accessible(page)
    page.get_by_label("Name of the organisation").fill(SPONSOR_NAME)
    page.get_by_label("Kind").select_option("business")
    page.get_by_label("What you support and why").fill(
        "We fund community gardens, flowers and green space in the old town."
    )
    page.get_by_label("Website").fill("https://greenbank.example")
    expect(page.get_by_label("Contact email")).to_have_value(SPONSOR_EMAIL)
    page.get_by_role("checkbox", name="Green space").check()
    page.get_by_role("checkbox", name="Old Town").check()
    page.get_by_role("checkbox", name="Funding").check()
    page.get_by_label("Yearly budget from (EUR)").fill("1000")
    page.get_by_label("Yearly budget up to (EUR)").fill("20000")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(SPONSOR_NAME)
    expect(page.get_by_text("The city has not verified your organisation yet.")).to_be_visible()
    assert_accessible(page)
    with city_context(world.city):
        sponsor = Sponsor.objects.get(name=SPONSOR_NAME)
        assert not sponsor.is_verified
    # Not verified yet: no offer button on the initiative.
    page.goto(world.url(f"/initiatives/{world.garden.pk}/"))
    expect(page.get_by_role("link", name=re.compile("^Offer support"))).to_have_count(0)

    # 3. The city admin verifies the sponsor in the admin.
    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        sign_in(admin, world, "admin@riverton.example")
        admin.goto(world.url("/admin/sponsors/sponsor/"))
        admin.locator(f'input[name="_selected_action"][value="{sponsor.pk}"]').check()
        admin.locator('select[name="action"]').select_option("verify")
        admin.locator('button[name="index"]').click()
        expect(admin.locator(".messagelist .success")).to_contain_text("1 sponsors verified.")
    finally:
        admin_context.close()
    with city_context(world.city):
        assert Sponsor.objects.get(pk=sponsor.pk).is_verified

    # 4. The dashboard: ranked matches, each with its reasons.
    page.goto(world.url("/sponsors/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SPONSOR_NAME)
    expect(page.get_by_text("The city has not verified your organisation yet.")).to_have_count(0)
    # Each match is a card (its reasons are a list of their own).
    matches = page.get_by_role("region", name="Initiatives for you").locator("ol > li")
    expect(matches).to_have_count(2)
    expect(matches.nth(0)).to_contain_text(GARDEN)  # shares its category and district
    expect(matches.nth(0)).to_contain_text("shares categories: Green space")
    expect(matches.nth(0)).to_contain_text("in your district")
    expect(matches.nth(0)).to_contain_text("needs funding you offer")
    expect(matches.nth(0)).to_contain_text("2,000 EUR still needed")
    expect(matches.nth(1)).to_contain_text(CINEMA)
    assert_accessible(page)

    # 5. An offer on the garden's funding need.
    matches.nth(0).get_by_role("link", name=GARDEN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GARDEN)
    expect(page.locator("#match-fund")).to_contain_text("Remaining in the fund: 800 EUR")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Offer support\W+Funding$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offer support")
    assert_accessible(page)
    page.get_by_label("Quantity").fill("600")
    page.get_by_label("Message to the group").fill("We would love to help with the beds.")
    page.get_by_role("button", name="Send the offer").click()
    expect(page.get_by_text("Your offer is sent to the group.")).to_be_visible()
    offers = page.get_by_role("region", name="Your offers")
    expect(offers.locator("tbody tr")).to_have_count(1)
    expect(offers).to_contain_text("Offered")
    assert_accessible(page)

    # 6. The group's admin accepts it; the city's fund adds its match.
    group_context = browser.new_context()
    try:
        group = group_context.new_page()
        sign_in(group, world, "gardener@riverton.example")
        group.goto(world.url(f"/initiatives/{world.garden.pk}/"))
        received = group.get_by_role("region", name="Offers")
        expect(received).to_contain_text(SPONSOR_NAME)
        expect(received).to_contain_text("We would love to help with the beds.")
        assert_accessible(group)
        received.get_by_role("button", name="Accept").click()
        expect(group.get_by_text("The offer is accepted.")).to_be_visible()
        expect(group.get_by_text("The city's match fund adds 500")).to_be_visible()
        expect(group.get_by_text("1,100 of 2,000 EUR")).to_be_visible()
        expect(group.locator(".initiative .status").first).to_have_text("Partly resourced")
        expect(group.locator("#match-fund")).to_contain_text("Remaining in the fund: 300 EUR")
        assert_accessible(group)
    finally:
        group_context.close()
    with city_context(world.city):
        need = Need.objects.get(pk=world.garden_funding.pk)
        assert need.fulfilled == Decimal("1100")
        assert Offer.objects.get(sponsor=sponsor).state == Offer.State.ACCEPTED
        assert Initiative.objects.get(pk=world.garden.pk).status == InitiativeStatus.PARTLY
        assert MatchFund.objects.get().remaining == Decimal("300")

    # The sponsor sees the same figures, and the initiative among those it supports.
    page.goto(world.url(f"/initiatives/{world.garden.pk}/"))
    expect(page.get_by_text("1,100 of 2,000 EUR")).to_be_visible()
    expect(page.locator(".initiative .status").first).to_have_text("Partly resourced")
    expect(page.locator("#match-fund")).to_contain_text("Remaining in the fund: 300 EUR")
    page.goto(world.url("/sponsors/"))
    expect(page.get_by_role("region", name="Your offers")).to_contain_text("Accepted")
    supported = page.get_by_role("region", name="Initiatives you support")
    expect(supported.get_by_role("link", name=GARDEN)).to_be_visible()
    assert_accessible(page)

    # 7. The facilitator introduces another sponsor to the initiative.
    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        sign_in(admin, world, "admin@riverton.example")
        admin.goto(world.url(f"/admin/sponsors/initiative/{world.garden.pk}/candidates/"))
        row = admin.locator("tr", has_text="Hardware Corner")
        expect(row).to_contain_text("needs volunteers you offer")
        row.get_by_label("Message").fill("They lend tools and volunteers.")
        row.get_by_role("button", name="Introduce").click()
        expect(admin.locator(".messagelist .success")).to_contain_text(
            "Hardware Corner is introduced to"
        )
        expect(admin.locator("tr", has_text="Hardware Corner")).to_contain_text("Introduced")
        admin.goto(world.url("/admin/sponsors/matchfund/"))
        expect(admin.locator("#result_list")).to_contain_text("300")
    finally:
        admin_context.close()
    with city_context(world.city):
        intro = Introduction.objects.get()
        assert (intro.sponsor_id, intro.initiative_id) == (world.other_sponsor.pk, world.garden.pk)
        assert intro.message == "They lend tools and volunteers."
