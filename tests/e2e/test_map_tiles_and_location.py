"""Issue 12 in a real browser, continued: the city's tiles from a local stub
server or an intercepted https host (no test reaches the internet) allowed by
the CSP, the idea page's own map, the challenge map following the list's
filters (htmx), clusters above 50 markers with accessible names, "Use my
location" in the submit form's picker, and the city form's map area picker."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from ideas.models import Challenge
from tests.conftest import make_member
from tests.factories import CityFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
#: A transparent 1x1 PNG: every tile the stub serves.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


class TileStub(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:
        TileStub.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PIXEL)))
        self.end_headers()
        self.wfile.write(PIXEL)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def world(transactional_db, live_server):
    city = CityFactory(
        slug="riverton",
        name="Riverton",
        min_latitude=Decimal("50.40"),
        max_latitude=Decimal("50.50"),
        min_longitude=Decimal("4.80"),
        max_longitude=Decimal("4.95"),
    )
    with city_context(city):
        challenge = ChallengeFactory(
            slug="green", phase=Challenge.Phase.IDEAS, require_verified_email=False
        )
        trees = CategoryFactory(name="Trees")
        placed = IdeaFactory(
            challenge=challenge,
            title="Oak alley",
            category=trees,
            latitude=Decimal("50.45"),
            longitude=Decimal("4.88"),
        )
        for n in range(3):
            IdeaFactory(
                challenge=challenge,
                title=f"Bench {n}",
                latitude=Decimal("50.42") + Decimal(n) / 100,
                longitude=Decimal("4.85"),
            )
    port = urlsplit(live_server.url).port
    return {
        "city": city,
        "challenge": challenge,
        "placed": placed,
        "trees": trees,
        "url": lambda path="/": f"http://{HOST}:{port}{path}",
    }


@pytest.fixture
def tile_server(world):
    """A tile server on the loopback, chosen as the city's tile server (its
    origin goes into the map pages' CSP, as for any city)."""
    TileStub.paths = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), TileStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png"
    City.objects.filter(pk=world["city"].pk).update(
        map_tile_url=url, map_tile_attribution="Test tiles"
    )
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def sign_in(page: Page, world, user) -> None:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": world["url"]("/")}]
    )


def test_tiles_come_from_the_local_stub_and_the_csp_allows_them(
    page: Page, world, tile_server, assert_accessible
):
    origins: set[str] = set()
    page.on("request", lambda request: origins.add(request.url.split("/", 3)[2]))
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(world["url"]("/map/"))
    expect(page.locator("#idea-map img.leaflet-tile-loaded").first).to_be_attached()
    assert page.locator("#idea-map img.leaflet-tile-loaded").count() > 0
    assert TileStub.paths and all(path.endswith(".png") for path in TileStub.paths)
    assert page.get_by_text("Test tiles").is_visible()
    assert not page.get_by_text("No map background is configured").is_visible()
    # Nothing left the machine: only the live server and the tile stub.
    assert origins <= {urlsplit(world["url"]()).netloc, urlsplit(tile_server).netloc}
    assert blocked == []
    assert_accessible(page)


def test_idea_page_shows_its_marker(page: Page, world, tile_server, assert_accessible):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(world["url"](f"/ideas/{world['placed'].pk}/"))
        expect(page.locator("#idea-map .leaflet-marker-icon")).to_have_count(1)
        expect(page.locator("#idea-map img.leaflet-tile-loaded").first).to_be_attached()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    assert_accessible(page)


def test_challenge_map_follows_the_filters(page: Page, world, assert_accessible):
    page.goto(world["url"]("/challenges/green/"))
    markers = page.locator("#idea-map .leaflet-marker-icon")
    expect(markers).to_have_count(4)
    page.locator("#id_category").select_option(str(world["trees"].pk))
    # htmx swaps the list and, out of band, the map: one marker now.
    expect(markers).to_have_count(1)
    expect(page.locator("#idea-map.leaflet-container")).to_be_visible()
    assert markers.first.get_attribute("title") == "Oak alley"
    expect(page.locator(".map-count")).to_contain_text("1 idea of the list above")
    assert_accessible(page)


def test_many_markers_are_clustered(page: Page, world, assert_accessible):
    with city_context(world["city"]):
        for n in range(60):
            IdeaFactory(
                challenge=world["challenge"],
                title=f"Tree {n}",
                latitude=Decimal("50.43") + Decimal(n % 6) / 1000,
                longitude=Decimal("4.86") + Decimal(n // 6) / 1000,
            )
    page.goto(world["url"]("/map/"))
    expect(page.locator("#idea-map.map-clustered")).to_be_attached()
    clusters = page.locator("#idea-map .marker-cluster")
    expect(clusters.first).to_be_visible()
    single = page.locator("#idea-map .leaflet-marker-icon:not(.marker-cluster)").count()
    assert single < 64
    # Every cluster is a focusable button named by its number of ideas, and
    # every single marker a focusable button named by its idea.
    named = page.get_by_role("button", name=re.compile(r"^\d+ ideas here: zoom in to see them$"))
    expect(named.first).to_be_visible()
    assert named.count() == clusters.count()
    count = int(named.first.locator("[aria-hidden=true]").text_content())
    hidden_name = named.first.locator(".visually-hidden").text_content()
    assert count >= 2 and hidden_name == f"{count} ideas here: zoom in to see them"
    assert clusters.first.get_attribute("tabindex") == "0"
    for marker in page.locator("#idea-map img.leaflet-marker-icon").all():
        assert marker.get_attribute("tabindex") == "0"
        assert marker.get_attribute("alt")
    assert_accessible(page)
    # A cluster opens (zooms in) with the keyboard.
    clusters.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(600)


@pytest.fixture
def located_context(browser):
    context = browser.new_context(
        geolocation={"latitude": 50.4567891, "longitude": 4.8912345},
        permissions=["geolocation"],
    )
    yield context
    context.close()


def test_use_my_location_fills_the_fields_and_says_so(located_context, world, assert_accessible):
    page = located_context.new_page()
    sign_in(page, world, make_member(world["city"], Role.CITIZEN))
    page.goto(world["url"]("/challenges/green/submit/"))
    button = page.get_by_role("button", name="Use my location")
    expect(button).to_be_visible()
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_latitude")).to_have_value("50.456789")
    expect(page.locator("#id_longitude")).to_have_value("4.891235")
    status = page.locator("[data-locate-status]")
    expect(status).to_have_text("Your location is filled in below. Check it before you send.")
    assert status.get_attribute("role") == "status"
    picker = page.locator("[data-location-picker]")
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)
    assert_accessible(page)


def test_the_marker_follows_typed_coordinates(page: Page, world):
    sign_in(page, world, make_member(world["city"], Role.CITIZEN))
    page.goto(world["url"]("/challenges/green/submit/"))
    picker = page.locator("[data-location-picker]")
    expect(picker).to_be_visible()
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(0)
    page.locator("#id_latitude").fill("50.44")
    page.locator("#id_longitude").fill("4.87")
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)


def test_without_geolocation_there_is_no_button(browser, world):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'geolocation', {get: () => undefined})"
    )
    sign_in(page, world, make_member(world["city"], Role.CITIZEN))
    page.goto(world["url"]("/challenges/green/submit/"))
    expect(page.locator("[data-location-picker]")).to_be_visible()
    assert not page.get_by_role("button", name="Use my location").is_visible()
    context.close()


def test_the_citys_https_tile_host_is_requested_and_allowed(page: Page, world, assert_accessible):
    """A city's own https tile server: the browser asks that host for the
    tiles (answered here by Playwright: nothing leaves the machine) and the
    page's CSP lets them in."""
    City.objects.filter(pk=world["city"].pk).update(
        map_tile_url="https://tiles.riverton.test/{z}/{x}/{y}.png",
        map_tile_attribution="Riverton tiles",
        map_tile_attribution_url="https://tiles.riverton.test/licence",
    )
    tiles: list[str] = []

    def answer(route) -> None:
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PIXEL)

    page.route("https://tiles.riverton.test/**", answer)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(world["url"]("/map/"))
    assert "https://tiles.riverton.test" in response.headers["content-security-policy"]
    expect(page.locator("#idea-map img.leaflet-tile-loaded").first).to_be_attached()
    tile_url = re.compile(r"https://tiles\.riverton\.test/\d+/\d+/\d+\.png")
    assert tiles and all(tile_url.fullmatch(url) for url in tiles)
    assert hosts <= {urlsplit(world["url"]()).netloc, "tiles.riverton.test"}
    assert blocked == []
    link = page.locator(".leaflet-control-attribution a")
    expect(link).to_have_text("Riverton tiles")
    assert link.get_attribute("href") == "https://tiles.riverton.test/licence"
    assert_accessible(page)


def test_the_bounds_picker_fills_the_four_fields(page: Page, world, assert_accessible):
    """The city form's map: move and zoom with the keyboard, press the button,
    the four edges are the map's view, said in the status line; typed edges
    draw the box."""
    page.route(
        "https://tiles.riverton.test/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=PIXEL),
    )
    City.objects.filter(pk=world["city"].pk).update(
        map_tile_url="https://tiles.riverton.test/{z}/{x}/{y}.png",
        map_tile_attribution="Riverton tiles",
    )
    sign_in(page, world, make_member(world["city"], Role.CITY_ADMIN))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(world["url"](f"/admin/tenancy/city/{world['city'].pk}/change/"))
    region = page.get_by_role("region", name=re.compile("Map to choose the city's area"))
    expect(region).to_be_visible()
    expect(page.locator("#city-bounds-map img.leaflet-tile-loaded").first).to_be_attached()
    # The saved box is drawn.
    expect(page.locator("#city-bounds-map path")).to_have_count(1)
    before = page.locator("#id_min_latitude").input_value()
    # Keyboard only: focus the map, zoom out and pan east, press the button.
    region.focus()
    page.keyboard.press("-")
    page.wait_for_timeout(400)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)
    button = page.get_by_role("button", name="Use this view as the city's area")
    button.focus()
    page.keyboard.press("Enter")
    values = {
        name: float(page.locator(f"#id_{name}").input_value())
        for name in ("min_latitude", "max_latitude", "min_longitude", "max_longitude")
    }
    view = page.evaluate(
        "(() => { const f = id => parseFloat(document.getElementById(id).value);"
        " return [f('id_min_latitude'), f('id_max_latitude')]; })()"
    )
    assert view == [values["min_latitude"], values["max_latitude"]]
    assert values["min_latitude"] < 50.40 < 50.50 < values["max_latitude"]
    assert values["min_longitude"] < values["max_longitude"]
    assert page.locator("#id_min_latitude").input_value() != before
    assert re.fullmatch(r"-?\d+\.\d{6}", page.locator("#id_max_longitude").input_value())
    status = page.locator(".city-bounds-status")
    assert status.get_attribute("role") == "status"
    expect(status).to_contain_text("The four edges below are filled in from the map")
    assert_accessible(page)
    # Saved as typed values: the form posts them like any other.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()
    world["city"].refresh_from_db()
    assert float(world["city"].min_latitude) == values["min_latitude"]
    assert float(world["city"].max_longitude) == values["max_longitude"]
