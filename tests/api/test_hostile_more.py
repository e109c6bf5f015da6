"""More hostile input: mass assignment, unlisted ordering/filters, page
sizes, forged cursors, deeply nested JSON; and the docs' own assets."""

from __future__ import annotations

import json

import pytest

from civicideas.tenancy import city_context
from ideas.models import Idea
from tests.api.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city, other_city):
    return World(city, other_city)


def test_mass_assignment_is_ignored(world, city, other_city):
    api = world.client("citizen")
    here = world.here
    payload = {
        "challenge": here.challenge.pk,
        "title": "Mine",
        "body": "Text",
        "city": other_city.pk,
        "author": world.users["admin"].pk,
        "status": "accepted",
        "support_count": 10_000,
        "comment_count": 5,
        "created_at": "2000-01-01T00:00:00Z",
        "id": 999_999,
    }
    response = api.post_json("/api/v1/ideas/", payload)
    assert response.status_code == 201, response.content
    with city_context(city):
        idea = Idea.objects.get(pk=response.json()["id"])
    assert idea.city_id == city.pk and idea.author_id == world.users["citizen"].pk
    assert idea.status in ("published", "pending") and idea.support_count == 0
    assert idea.pk != 999_999 and idea.created_at.year > 2000
    patched = api.patch_json(f"/api/v1/ideas/{idea.pk}/", {"status": "accepted", "city": 1})
    assert patched.status_code == 200
    with city_context(city):
        assert Idea.objects.get(pk=idea.pk).status == idea.status
    group = world.client("group_admin").patch_json(
        f"/api/v1/initiatives/{here.initiative.pk}/",
        {"status": "completed", "open_need_count": 99, "group": world.there.group.pk},
    )
    assert group.status_code == 200
    assert group.json()["status"] == "seeking" and group.json()["group"]["id"] == here.group.pk


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ideas/?challenge={challenge}&ordering=author__email",
        "/api/v1/ideas/?challenge={challenge}&sort=author__email",
        "/api/v1/ideas/?challenge={challenge}&author__email__startswith=a",
        "/api/v1/offers/?ordering=made_by__email",
        "/api/v1/initiatives/?created_by__email=x",
        "/api/v1/sponsors/?contact_email__startswith=s",
        "/api/v1/official-answers/?ordering=-changed_by__email",
    ],
)
def test_unlisted_ordering_or_filter_is_ignored_or_400(world, url):
    response = world.client("sponsor").get(url.format(challenge=world.here.challenge.pk))
    assert response.status_code in (200, 400), response.content
    for user in world.users.values():
        assert user.email.encode() not in response.content


@pytest.mark.parametrize(
    "path",
    ["/api/v1/categories/", "/api/v1/official-answers/", "/api/v1/sponsors/", "/api/v1/needs/"],
)
@pytest.mark.parametrize("size", ["1000000000", "-1", "0", "abc", "1e9", "%00"])
def test_page_size_is_bounded(world, path, size):
    response = world.client("anon").get(f"{path}?page_size={size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 100


@pytest.mark.parametrize(
    "cursor", ["-1", "garbage", "A" * 3000, "%00", "eyJvIjpbXX0", "-9999999999999999999"]
)
@pytest.mark.parametrize("path", ["/api/v1/official-answers/", "/api/v1/moderation/queue/"])
def test_forged_cursor_is_400(world, path, cursor):
    response = world.client("moderator").get(f"{path}?cursor={cursor}")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_cursor"


def test_deeply_nested_json_is_400(world, city):
    depth = 100_000
    body = '{"title": ' + "[" * depth + "]" * depth + "}"
    response = world.client("citizen").post(
        "/api/v1/reports/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:200]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/reports/", "/api/v1/offers/", "/api/v1/decisions/", "/api/v1/groups/"],
)
def test_ten_megabytes_and_wrong_types_everywhere(world, path):
    api = world.client("admin")
    big = json.dumps({"reason": "x" * 10_000_000})
    assert api.post(path, big, content_type="application/json").status_code == 413
    assert api.post(path, "a=b", content_type="text/plain").status_code == 415
    assert api.post(path, "{", content_type="application/json").status_code == 400


def test_docs_load_their_assets_from_our_static_url(city_client, settings):
    html = city_client.get("/api/docs/").content.decode()
    static = settings.STATIC_URL
    assert f"{static}drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert f"{static}drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    assert "https://" not in html.split("<body")[0].replace("https://creativecommons", "")
