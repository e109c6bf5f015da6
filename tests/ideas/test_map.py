"""Ideas on a map: the city map page, the challenge page's map, the markers'
GeoJSON, the tile settings and the location's ranges (issue 12)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicideas.tenancy import city_context
from civicideas.tenancy.map_tiles import tile_origin
from ideas import services
from ideas.map import located_public_ideas
from ideas.models import Challenge, Idea
from ideas.status import IdeaStatus
from tests.conftest import client_for, make_member
from tests.ideas.factories import CategoryFactory, ChallengeFactory, DistrictFactory, IdeaFactory

pytestmark = pytest.mark.django_db

HERE = {"latitude": Decimal("50.85"), "longitude": Decimal("4.35")}


def markers(response) -> list[dict]:
    html = response.content.decode()
    found = re.search(r'data-idea-map data-features="([^"]*)"', html)
    assert found, "no map data on the page"
    return json.loads(unescape(found.group(1)))["features"]


@pytest.fixture
def world(city, other_city):
    with city_context(city):
        challenge = ChallengeFactory(slug="green", phase=Challenge.Phase.IDEAS)
        other_challenge = ChallengeFactory(slug="blue", phase=Challenge.Phase.IDEAS)
        draft = ChallengeFactory(slug="draft", phase=Challenge.Phase.DRAFT)
        shown = IdeaFactory(challenge=challenge, title="Bench by the river", **HERE)
        elsewhere = IdeaFactory(challenge=other_challenge, title="Blue bike lane", **HERE)
        IdeaFactory(challenge=challenge, title="No place")  # no location
        IdeaFactory(challenge=challenge, title="Held back", status=IdeaStatus.PENDING, **HERE)
        IdeaFactory(challenge=challenge, title="Hidden one", status=IdeaStatus.HIDDEN, **HERE)
        IdeaFactory(challenge=draft, title="Draft's idea", **HERE)
    with city_context(other_city):
        IdeaFactory(title="Lakeside secret", **HERE)
    return {"challenge": challenge, "shown": shown, "elsewhere": elsewhere}


def test_city_map_shows_public_located_ideas_of_this_city_only(world, city_client):
    response = city_client.get(reverse("ideas:map"))
    assert response.status_code == 200
    features = markers(response)
    titles = sorted(f["properties"]["title"] for f in features)
    assert titles == ["Bench by the river", "Blue bike lane"]
    html = response.content.decode()
    for absent in ("Lakeside secret", "Held back", "Hidden one", "Draft's idea", "No place"):
        assert absent not in html
    # GeoJSON: longitude first; the popup's text comes with it.
    bench = next(f for f in features if f["id"] == world["shown"].pk)
    assert bench["geometry"]["coordinates"] == [4.35, 50.85]
    assert bench["properties"]["url"] == reverse("ideas:idea", args=[world["shown"].pk])
    assert bench["properties"]["supports_text"] == "0 supports"
    # The list alternative has the same ideas, as links.
    assert html.count('<li><a href="/ideas/') == 2


def test_challenge_page_maps_its_own_ideas(world, city_client):
    response = city_client.get(reverse("ideas:challenge", args=["green"]))
    assert [f["properties"]["title"] for f in markers(response)] == ["Bench by the river"]
    # The htmx fragment of the list replaces the map out of band, without
    # loading Leaflet again.
    fragment = city_client.get(
        reverse("ideas:challenge", args=["green"]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert 'id="idea-map-section" aria-labelledby="idea-map-heading" hx-swap-oob="true"' in html
    assert [f["properties"]["title"] for f in markers(fragment)] == ["Bench by the river"]
    assert "leaflet.js" not in html


@pytest.fixture
def filtered(city):
    """A challenge whose ideas differ by category, district, status and words,
    with and without a location."""
    with city_context(city):
        challenge = ChallengeFactory(slug="green", phase=Challenge.Phase.IDEAS)
        trees = CategoryFactory(name="Trees")
        north = DistrictFactory(name="North")
        made = {
            "tree_here": IdeaFactory(
                challenge=challenge, category=trees, title="Oak alley", **HERE
            ),
            "tree_nowhere": IdeaFactory(challenge=challenge, category=trees, title="Oak grove"),
            "north_here": IdeaFactory(
                challenge=challenge, district=north, title="Fountain", **HERE
            ),
            "accepted_here": IdeaFactory(
                challenge=challenge, status=IdeaStatus.ACCEPTED, title="Bench square", **HERE
            ),
            "other_here": IdeaFactory(challenge=challenge, title="Bike racks", **HERE),
        }
        for idea in Idea.objects.all():
            services._refresh_search_vector(idea)
    return {"trees": trees, "north": north, **made}


def located_ids_of_list(response) -> set[int]:
    """The ideas of the page's filtered list (every page) that have a location."""
    page = response.context["page"]
    assert page.total <= len(page.items), "the test's list fits on one page"
    return {idea.pk for idea in page.items if idea.latitude is not None}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"tree_here", "north_here", "accepted_here", "other_here"}),
        ({"category": "trees"}, {"tree_here"}),
        ({"district": "north"}, {"north_here"}),
        ({"status": "accepted"}, {"accepted_here"}),
        ({"q": "oak"}, {"tree_here"}),
        ({"q": "oak", "district": "north"}, set()),
        # Hostile filters fall back to the unfiltered list, on the map too.
        ({"category": "abc"}, {"tree_here", "north_here", "accepted_here", "other_here"}),
        (
            {"district": "99999999999999999999"},
            {"tree_here", "north_here", "accepted_here", "other_here"},
        ),
        ({"status": "hidden"}, {"tree_here", "north_here", "accepted_here", "other_here"}),
    ],
)
def test_challenge_map_is_filtered_like_the_list(filtered, city_client, query, expected):
    params = {
        key: filtered[value].pk if value in ("trees", "north") else value
        for key, value in query.items()
    }
    response = city_client.get(reverse("ideas:challenge", args=["green"]), params)
    assert response.status_code == 200
    on_map = {f["id"] for f in markers(response)} if expected else set()
    if not expected:
        assert b"data-features" not in response.content
        assert b"No idea of the list above has a location." in response.content
    assert on_map == {filtered[name].pk for name in expected}
    assert on_map == located_ids_of_list(response)
    # The htmx answer to the same filters carries the same markers.
    fragment = city_client.get(
        reverse("ideas:challenge", args=["green"]),
        params,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    assert ({f["id"] for f in markers(fragment)} if expected else set()) == on_map


def test_challenge_map_is_capped(filtered, city_client, monkeypatch):
    from ideas import map as idea_map_module

    monkeypatch.setattr(idea_map_module, "MAP_LIMIT", 2)
    monkeypatch.setattr(idea_map_module.located, "__defaults__", None)
    monkeypatch.setattr(idea_map_module.located, "__kwdefaults__", {"limit": 2})
    response = city_client.get(reverse("ideas:challenge", args=["green"]))
    assert len(markers(response)) == 2
    assert b"Only the most supported are shown." in response.content


def test_idea_page_shows_its_own_location(world, city_client):
    response = city_client.get(reverse("ideas:idea", args=[world["shown"].pk]))
    features = markers(response)
    assert [f["id"] for f in features] == [world["shown"].pk]
    html = response.content.decode()
    assert "Latitude 50.850000, longitude 4.350000." in html
    assert 'class="map-list"' not in html  # the page is the idea: no list


def test_idea_page_without_location_has_no_map(city, city_client):
    with city_context(city):
        idea = IdeaFactory(title="Nowhere")
    response = city_client.get(reverse("ideas:idea", args=[idea.pk]))
    assert response.status_code == 200
    assert b"data-idea-map" not in response.content
    assert b"leaflet.js" not in response.content


@pytest.mark.django_db(transaction=True)
def test_idea_page_map_costs_no_query(city):
    from django.core.cache import cache
    from django.test import Client

    with city_context(city):
        challenge = ChallengeFactory(phase=Challenge.Phase.IDEAS)
        placed = IdeaFactory(challenge=challenge, **HERE)
        nowhere = IdeaFactory(challenge=challenge)
    client = Client(HTTP_HOST="riverton.localhost")
    client.get(reverse("ideas:map"))  # warms the host lookup
    counts = {}
    for name, idea in (("placed", placed), ("nowhere", nowhere)):
        cache.clear()
        client.get(reverse("ideas:map"))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("ideas:idea", args=[idea.pk]))
        assert response.status_code == 200
        counts[name] = len(captured.captured_queries)
    assert (b"data-idea-map" in response.content) is False
    assert counts["placed"] == counts["nowhere"]


def test_no_location_no_map(city, city_client):
    with city_context(city):
        IdeaFactory(title="Nowhere")
    response = city_client.get(reverse("ideas:map"))
    assert b"No idea has a location yet." in response.content
    assert b"data-idea-map" not in response.content


def test_titles_cannot_break_out_of_the_data(city, city_client):
    with city_context(city):
        IdeaFactory(title='</script><script>alert(1)</script>"&', **HERE)
    response = city_client.get(reverse("ideas:map"))
    assert b"<script>alert(1)" not in response.content
    assert markers(response)[0]["properties"]["title"] == '</script><script>alert(1)</script>"&'


def test_without_tiles_the_page_says_plain_background(world, city_client):
    response = city_client.get(reverse("ideas:map"))
    assert b"No map background is configured" in response.content
    assert b"data-tile-url" not in response.content


def test_tile_server_and_csp(world, city_client, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example contributors"
    settings.MAP_TILE_ATTRIBUTION_URL = ""
    response = city_client.get(reverse("ideas:map"))
    assert b'data-tile-url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in response.content
    assert "© Example contributors" in response.content.decode()
    assert b"No map background is configured" not in response.content
    assert "https://*.tiles.example.org" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("", None),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8001/{z}/{x}/{y}.png", "http://127.0.0.1:8001"),
        ("javascript:alert(1)", None),
        ("//tiles.example.org/{z}", None),
        ("https://evil.example; script-src *", None),
        ("https://'unsafe-inline'/x", None),
        ("https://tiles.example.org/tile.png", None),
    ],
)
def test_tile_csp_source(url, source):
    assert tile_origin(url) == source


def test_map_is_bounded_and_says_so(city):
    with city_context(city):
        IdeaFactory.create_batch(3, **HERE)
        ideas, truncated = located_public_ideas(limit=2)
    assert len(ideas) == 2 and truncated


@pytest.mark.django_db(transaction=True)
def test_map_query_count_does_not_grow(city):
    from django.test import Client

    client = Client(HTTP_HOST="riverton.localhost")
    client.get(reverse("ideas:map"))  # warms the host lookup, as in production
    counts = []
    for extra in (2, 30):
        with city_context(city):
            IdeaFactory.create_batch(extra, **HERE)
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("ideas:map"))
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    # The ideas, and the upcoming events' layer (events app): one query each.
    assert counts[0] == counts[1] <= 5
    assert len(markers(response)) == 32


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_map_is_read_only(city_client, city, method):
    assert getattr(city_client, method)(reverse("ideas:map")).status_code == 405


def test_map_needs_a_city(client):
    assert client.get(reverse("ideas:map")).status_code == 404


@pytest.mark.parametrize(
    "location",
    [
        {"latitude": Decimal("90.5"), "longitude": Decimal("4")},
        {"latitude": Decimal("50"), "longitude": Decimal("-180.5")},
        {"latitude": Decimal("50"), "longitude": None},
        {"latitude": None, "longitude": Decimal("4")},
    ],
)
def test_database_refuses_a_location_off_earth_or_half_given(city, location):
    with city_context(city), pytest.raises(IntegrityError), transaction.atomic():
        IdeaFactory(**location)


def test_model_validation_gives_the_ranges(city):
    with city_context(city):
        idea = IdeaFactory.build(
            challenge=ChallengeFactory(), latitude=Decimal("91"), longitude=Decimal("181")
        )
        idea.author.save()
        with pytest.raises(ValidationError) as error:
            idea.full_clean(exclude=["author", "challenge", "city"])
    assert set(error.value.message_dict) >= {"latitude", "longitude"}


def test_submit_form_has_the_location_picker(city):
    citizen = make_member(city, email="c@example.org")
    with city_context(city):
        ChallengeFactory(slug="green", phase=Challenge.Phase.IDEAS, require_verified_email=False)
    response = client_for(citizen, city).get(reverse("ideas:submit", args=["green"]))
    html = response.content.decode()
    assert "data-location-picker" in html
    assert 'data-lat-input="id_latitude"' in html
    # "Use my location": hidden until map.js finds geolocation; its result
    # is said in a status line.
    assert '<button type="button" class="map-locate" hidden data-locate-button>' in html
    assert '<p class="helptext" role="status" data-locate-status></p>' in html


@pytest.mark.parametrize(
    "location",
    [
        {"latitude": "91", "longitude": "4"},
        {"latitude": "50", "longitude": "-181"},
        {"latitude": "NaN", "longitude": "4"},
        {"latitude": "1e400", "longitude": "4"},
        {"latitude": "50.1234567890", "longitude": "4"},
        {"latitude": "50", "longitude": ""},
        {"latitude": "\u200b", "longitude": "4"},
    ],
)
def test_submit_refuses_hostile_locations_with_a_form_error(city, location):
    import uuid

    citizen = make_member(city)
    with city_context(city):
        ChallengeFactory(slug="green", phase=Challenge.Phase.IDEAS, require_verified_email=False)
    data = {
        "title": "Benches by the river",
        "body": "Add benches.",
        "language": "en",
        "submission_token": str(uuid.uuid4()),
        "submit": "1",
        **location,
    }
    response = client_for(citizen, city).post(reverse("ideas:submit", args=["green"]), data)
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    with city_context(city):
        assert not Idea.objects.exists()
