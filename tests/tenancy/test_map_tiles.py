"""A city's map tiles (issue 12, civicideas.tenancy.map_tiles): chosen in the
city settings, checked there (https, a plain host, {z}/{x}/{y}, nothing that
breaks the CSP header), shown with an escaped attribution, and allowed by
the CSP of exactly the pages of that city that show a map."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from civicideas.tenancy import city_context
from civicideas.tenancy.map_tiles import (
    MAX_TILE_URL_LENGTH,
    OSM_TILE_URL,
    city_tiles,
    tile_url_problem,
)
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from ideas.models import Challenge
from tests.concurrency import change_form_data
from tests.conftest import client_for, host_of, make_member
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

RIVERTON_TILES = "https://tiles.riverton.example/{z}/{x}/{y}.png"
LAKESIDE_TILES = "https://{s}.maps.lakeside.example/{z}/{x}/{y}.png"


def path(city: City) -> str:
    return f"/admin/tenancy/city/{city.pk}/change/"


def post(client: Client, city: City, **overrides):
    data = change_form_data(client.get(path(city)), **overrides)
    return client.post(path(city), data)


def errors(response) -> dict:
    return response.context["adminform"].form.errors


@pytest.fixture
def admin_client(city):
    return client_for(make_member(city, Role.CITY_ADMIN), city)


@pytest.fixture
def two_cities(city, other_city):
    City.objects.filter(pk=city.pk).update(
        map_tile_url=RIVERTON_TILES, map_tile_attribution="© Riverton maps"
    )
    City.objects.filter(pk=other_city.pk).update(
        map_tile_url=LAKESIDE_TILES, map_tile_attribution="© Lakeside maps"
    )
    city.refresh_from_db()
    other_city.refresh_from_db()
    with city_context(city):
        challenge = ChallengeFactory(slug="green", phase=Challenge.Phase.IDEAS)
        idea = IdeaFactory(
            challenge=challenge, latitude=Decimal("50.85"), longitude=Decimal("4.35")
        )
    return {"city": city, "other": other_city, "challenge": challenge, "idea": idea}


# --- The form ------------------------------------------------------------------


def test_a_city_admin_saves_a_tile_server_and_its_attribution(admin_client, city):
    response = post(
        admin_client,
        city,
        map_tile_url=f"  {RIVERTON_TILES} ",
        map_tile_attribution="© Riverton\t maps\n",
        map_tile_attribution_url="https://tiles.riverton.example/licence",
    )
    assert response.status_code == 302, errors(response)
    city.refresh_from_db()
    assert city.map_tile_url == RIVERTON_TILES
    assert city.map_tile_attribution == "© Riverton maps"
    assert city.map_tile_attribution_url == "https://tiles.riverton.example/licence"


def test_empty_means_the_platform_default(admin_client, city, settings):
    settings.MAP_TILE_URL = OSM_TILE_URL
    response = post(admin_client, city, map_tile_url="", map_tile_attribution="")
    assert response.status_code == 302, errors(response)
    city.refresh_from_db()
    tiles = city_tiles(city)
    assert tiles is not None and tiles.url == OSM_TILE_URL
    assert "OpenStreetMap" in tiles.attribution


HOSTILE = [
    ("javascript:alert(1)//{z}/{x}/{y}", "scheme"),
    ("data:image/png;base64,iVBORw0KGgo={z}{x}{y}", "scheme"),
    ("ftp://tiles.example.org/{z}/{x}/{y}.png", "scheme"),
    ("file:///etc/{z}/{x}/{y}", "scheme"),
    ("//tiles.example.org/{z}/{x}/{y}.png", "scheme"),
    ("http://tiles.example.org/{z}/{x}/{y}.png", "scheme"),
    ("http://127.0.0.1:8001/{z}/{x}/{y}.png", "scheme"),  # only in DEBUG
    ("https://tiles.example.org/tile.png", "missing_placeholder"),
    ("https://tiles.example.org/{z}/{x}.png", "missing_placeholder"),
    ("https://tiles.example.org/{z}/{x}/{y}/{apikey}.png", "placeholder"),
    ("https://tiles.example.org/{z}/{x}/{y}.png}", "placeholder"),
    ("https://tiles.example.org; script-src *; x/{z}/{x}/{y}", "characters"),
    ("https://tiles.example.org/{z}/{x}/{y}.png' 'unsafe-inline'", "characters"),
    ('https://tiles.example.org/{z}/{x}/{y}.png" onerror="alert(1)', "characters"),
    ("https://tiles.example.org/{z}/{x}/{y}.png https://evil.example", "characters"),
    ("https://tiles.example.org,evil.example/{z}/{x}/{y}", "characters"),
    ("https://tiles.example.org/{z}/{x}/{y}\n.png", "characters"),
    ("https://user:pw@tiles.example.org/{z}/{x}/{y}", "host"),
    ("https://*.example.org/{z}/{x}/{y}", "host"),
    ("https://a{s}b.example.org/{z}/{x}/{y}", "host"),
    (f"https://tiles.example.org/{{z}}/{{x}}/{{y}}/{'a' * MAX_TILE_URL_LENGTH}", "too_long"),
]


@pytest.mark.parametrize(("url", "code"), HOSTILE)
def test_a_hostile_tile_url_is_refused_with_a_form_error(admin_client, city, url, code):
    response = post(admin_client, city, map_tile_url=url, map_tile_attribution="x")
    assert response.status_code == 200
    assert "map_tile_url" in errors(response)
    if code != "too_long":  # the model field's max_length answers first
        assert errors(response).as_data()["map_tile_url"][0].code == code
    assert City.objects.get(pk=city.pk).map_tile_url == ""


@pytest.mark.parametrize(("url", "code"), HOSTILE)
def test_the_checker_names_the_problem(url, code):
    assert tile_url_problem(url) == code


def test_http_on_the_loopback_only_in_debug():
    for url in ("http://127.0.0.1:8001/{z}/{x}/{y}.png", "http://a.localhost/{z}/{x}/{y}"):
        assert tile_url_problem(url, allow_local_http=True) is None
    url = "http://tiles.example.org/{z}/{x}/{y}"
    assert tile_url_problem(url, allow_local_http=True) == "scheme"


def test_the_form_takes_a_loopback_tile_server_in_debug_only(admin_client, city, settings):
    url = "http://127.0.0.1:8001/{z}/{x}/{y}.png"
    settings.DEBUG = True
    response = post(admin_client, city, map_tile_url=url, map_tile_attribution="Local")
    assert response.status_code == 302, errors(response)
    assert City.objects.get(pk=city.pk).map_tile_url == url
    settings.DEBUG = False
    response = post(admin_client, city, map_tile_url=url.replace("8001", "8002"))
    assert response.status_code == 200
    assert errors(response).as_data()["map_tile_url"][0].code == "scheme"


def test_a_tile_server_needs_an_attribution(admin_client, city):
    response = post(admin_client, city, map_tile_url=RIVERTON_TILES, map_tile_attribution=" ")
    assert response.status_code == 200
    assert "map_tile_attribution" in errors(response)


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "http://tiles.example.org/licence", "data:text/html,x"]
)
def test_the_attribution_link_is_https(admin_client, city, link):
    response = post(
        admin_client,
        city,
        map_tile_url=RIVERTON_TILES,
        map_tile_attribution="© Riverton",
        map_tile_attribution_url=link,
    )
    assert response.status_code == 200
    assert "map_tile_attribution_url" in errors(response)
    assert City.objects.get(pk=city.pk).map_tile_attribution_url == ""


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.MODERATOR, Role.EVALUATOR])
def test_only_the_city_admin_changes_the_tiles(city, role):
    client = client_for(make_member(city, role), city)
    response = client.post(path(city), {"map_tile_url": RIVERTON_TILES})
    assert response.status_code in (302, 403)
    assert City.objects.get(pk=city.pk).map_tile_url == ""


def test_another_citys_admin_cannot_change_the_tiles(city, other_city):
    # On their own host, the other city's admin does not see this city at all.
    client = client_for(make_member(other_city, Role.CITY_ADMIN), other_city)
    assert client.get(path(city)).status_code in (302, 404)
    client.post(path(city), {"map_tile_url": RIVERTON_TILES, "map_tile_attribution": "x"})
    # On this city's host, they are not staff here.
    client = client_for(make_member(other_city, Role.CITY_ADMIN, email="b@x.example"), city)
    response = client.post(path(city), {"map_tile_url": RIVERTON_TILES})
    assert response.status_code in (302, 403, 404)
    assert City.objects.get(pk=city.pk).map_tile_url == ""


def test_anonymous_cannot_change_the_tiles(city):
    response = Client(HTTP_HOST=host_of(city)).post(path(city), {"map_tile_url": RIVERTON_TILES})
    assert response.status_code == 302
    assert City.objects.get(pk=city.pk).map_tile_url == ""


# --- The pages -----------------------------------------------------------------


def img_src(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(d.strip() for d in policy.split(";") if d.strip().startswith("img-src"))
    return directive.split()[1:]


def map_pages(world) -> list[str]:
    return [
        reverse("ideas:map"),
        reverse("ideas:challenge", args=[world["challenge"].slug]),
        reverse("ideas:idea", args=[world["idea"].pk]),
    ]


def test_a_map_page_allows_its_citys_tile_host_and_no_other(two_cities, city_client):
    for url in map_pages(two_cities):
        for _ in range(2):  # rendered, then from the page cache
            response = city_client.get(url)
            assert response.status_code == 200, url
            sources = img_src(response)
            assert "https://tiles.riverton.example" in sources, url
            assert not any("lakeside" in source for source in sources), url
            assert "https://tile.openstreetmap.org" not in sources
    page = city_client.get(reverse("ideas:map")).content.decode()
    assert f'data-tile-url="{RIVERTON_TILES}"' in page
    assert "© Riverton maps" in page


def test_the_other_city_gets_its_own(two_cities):
    client = Client(HTTP_HOST=host_of(two_cities["other"]))
    response = client.get(reverse("ideas:map"))
    assert "https://*.maps.lakeside.example" in img_src(response)
    assert not any("riverton" in source for source in img_src(response))


def test_the_submit_form_allows_the_tiles(two_cities, city):
    client = client_for(make_member(city, Role.CITIZEN), city)
    response = client.get(reverse("ideas:submit", args=["green"]))
    assert response.status_code == 200
    assert "https://tiles.riverton.example" in img_src(response)


def test_pages_without_a_map_allow_no_tile_host(two_cities, city_client):
    response = city_client.get("/")
    assert not any("example" in source for source in img_src(response))


def test_a_city_without_tiles_uses_the_default(city, city_client, settings):
    settings.MAP_TILE_URL = OSM_TILE_URL
    response = city_client.get(reverse("ideas:map"))
    assert "https://tile.openstreetmap.org" in img_src(response)
    settings.MAP_TILE_URL = ""
    response = city_client.get(reverse("ideas:map"))
    assert not any(source.startswith("https://") for source in img_src(response))


def test_the_attribution_is_plain_text(city, city_client):
    City.objects.filter(pk=city.pk).update(
        map_tile_url=RIVERTON_TILES,
        map_tile_attribution='<img src=x onerror="alert(1)"> & co',
        map_tile_attribution_url='https://tiles.riverton.example/"><script>x</script>',
    )
    with city_context(city):
        IdeaFactory(latitude=Decimal("50.85"), longitude=Decimal("4.35"))
    page = city_client.get(reverse("ideas:map")).content.decode()
    assert "<img src=x" not in page and "<script>x" not in page
    attribution = page.split('data-tile-attribution="', 1)[1].split('"', 1)[0]
    # What Leaflet inserts as HTML: the text escaped, the unsafe link dropped.
    assert unescape(attribution) == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co"


def test_the_city_form_has_the_edited_citys_tiles(two_cities, admin_client, city):
    response = admin_client.get(path(city))
    assert "https://tiles.riverton.example" in img_src(response)
    page = response.content.decode()
    assert "data-bounds-picker" in page
    assert "civicideas/city_bounds.js" in page and "vendor/leaflet/leaflet.js" in page
    assert f'data-tile-url="{RIVERTON_TILES}"' in page


def test_the_platform_admin_form_has_that_citys_tiles(two_cities):
    client = Client(HTTP_HOST="localhost")
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(path(two_cities["other"]))
    assert response.status_code == 200
    assert "https://*.maps.lakeside.example" in img_src(response)
    assert not any("riverton" in source for source in img_src(response))


# --- The map area (the picker fills it; typed values are checked alike) --------

BOX = {
    "min_latitude": "50.40",
    "max_latitude": "50.50",
    "min_longitude": "4.80",
    "max_longitude": "4.95",
}


def test_the_map_area_is_saved(admin_client, city):
    response = post(admin_client, city, **BOX)
    assert response.status_code == 302, errors(response)
    city.refresh_from_db()
    assert (float(city.min_latitude), float(city.max_longitude)) == (50.40, 4.95)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"max_latitude": "50.30"}, "max_latitude", "box_order"),
        ({"max_longitude": "4.80"}, "max_longitude", "box_order"),
        ({"min_latitude": "-95"}, "min_latitude", "out_of_range"),
        ({"max_longitude": "999.5"}, "max_longitude", "out_of_range"),
        ({"min_longitude": ""}, "min_longitude", "partial_box"),
        ({"max_latitude": "1e400"}, "max_latitude", None),
        ({"min_latitude": "fifty"}, "min_latitude", None),
    ],
)
def test_a_bad_map_area_is_refused(admin_client, city, overrides, field, code):
    response = post(admin_client, city, **{**BOX, **overrides})
    assert response.status_code == 200
    assert field in errors(response)
    if code:
        assert errors(response).as_data()[field][0].code == code
    assert City.objects.get(pk=city.pk).min_latitude is None


@pytest.mark.parametrize(
    "stored",
    ["javascript:alert(1)//{z}/{x}/{y}", "https://evil.example; script-src * /{z}/{x}/{y}"],
)
def test_a_bad_row_written_around_the_form_falls_back_to_the_default(
    city, city_client, settings, stored
):
    settings.MAP_TILE_URL = OSM_TILE_URL
    City.objects.filter(pk=city.pk).update(map_tile_url=stored, map_tile_attribution="x")
    with city_context(city):
        IdeaFactory(latitude=Decimal("50.85"), longitude=Decimal("4.35"))
    response = city_client.get(reverse("ideas:map"))
    assert f'data-tile-url="{OSM_TILE_URL}"' in response.content.decode()
    assert img_src(response)[-1] == "https://tile.openstreetmap.org"
    assert "evil" not in response["Content-Security-Policy"]
    assert "javascript:" not in response.content.decode()
