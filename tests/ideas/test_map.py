"""Ideas on a map: the city map page, the challenge page's map, the markers'
GeoJSON, the tile settings and the location's ranges (issue 12)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicideas.settings.maps import map_tile_csp_sources
from civicideas.tenancy import city_context
from ideas.map import located_public_ideas
from ideas.models import Challenge, Idea
from ideas.status import IdeaStatus
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

HERE = {"latitude": Decimal("50.85"), "longitude": Decimal("4.35")}


def markers(response) -> list[dict]:
    html = response.content.decode()
    found = re.search(r'<script id="idea-map-data" type="application/json">(.*?)</script>', html)
    assert found, "no map data on the page"
    return json.loads(found.group(1))["features"]


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
    # The htmx fragment of the list carries no map.
    fragment = city_client.get(
        reverse("ideas:challenge", args=["green"]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert b"idea-map-data" not in fragment.content


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
    response = city_client.get(reverse("ideas:map"))
    assert b'data-tile-url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in response.content
    assert "© Example contributors" in response.content.decode()
    assert b"No map background is configured" not in response.content


@pytest.mark.parametrize(
    ("url", "sources"),
    [
        ("", []),
        ("https://tiles.example.org/{z}/{x}/{y}.png", ["https://tiles.example.org"]),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ["https://*.tile.example.org"]),
        ("javascript:alert(1)", []),
        ("//tiles.example.org/{z}", []),
        ("https://evil.example; script-src *", []),
        ("https://'unsafe-inline'/x", []),
    ],
)
def test_tile_csp_sources(url, sources):
    assert map_tile_csp_sources(url) == sources


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
    assert counts[0] == counts[1] <= 4
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
