"""The exchange's pages on the platform host and on city hosts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicideas.tenancy import city_context
from exchange.models import Adoption, Practice
from tests.conftest import client_for
from tests.exchange.conftest import publish

PLATFORM = "localhost"


@pytest.fixture
def platform():
    return Client(HTTP_HOST=PLATFORM)


def test_browse_on_the_platform_host(world, practice, platform, django_assert_max_num_queries):
    for n in range(5):
        publish(world, texts={"en": {"title": f"Other practice {n}"}})
    with django_assert_max_num_queries(4):
        response = platform.get("/practices/")
    assert response.status_code == 200
    assert b"Greener streets chosen by residents" in response.content
    assert "6 practices" in response.content.decode()


def test_search_in_each_language(world, practice, platform):
    publish(world, texts={"en": {"title": "Night buses on weekends"}})
    english = platform.get("/practices/", {"q": "resident"})  # stem of "residents"
    assert b"Greener streets" in english.content and b"Night buses" not in english.content
    french = platform.get("/practices/", {"q": "habitant", "language": "fr"})
    assert b"Greener streets" in french.content and b"Night buses" not in french.content


def test_filters(world, practice, platform):
    assert b"Greener" in platform.get("/practices/", {"answered": "50"}).content
    assert b"Greener" not in platform.get("/practices/", {"answered": "75"}).content
    assert b"Greener" in platform.get("/practices/", {"topic": "environment"}).content
    assert b"Greener" not in platform.get("/practices/", {"topic": "youth"}).content
    assert b"Greener" in platform.get("/practices/", {"size": "medium"}).content
    assert b"Greener" not in platform.get("/practices/", {"size": "large"}).content
    for hostile in (
        {"answered": "9" * 40},
        {"sort": "<x>"},
        {"page": "-1"},
        {"q": "x" * 5000},
        {"q": "\x00"},
        {"q": "a\x00b"},
    ):
        assert platform.get("/practices/", hostile).status_code == 200


def test_detail_shows_evidence_with_links(world, practice, platform):
    response = platform.get(f"/practices/{practice.slug}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="evidence"' in body
    assert "http://riverton.localhost/challenges/greener-streets/" in body
    assert "CC BY 4.0" in body
    assert platform.get("/practices/no-such-practice/").status_code == 404
    assert platform.get("/practices/%00bad/").status_code == 404


def test_unpublished_practice_disappears(world, practice, platform):
    Practice.objects.filter(pk=practice.pk).update(status=Practice.Status.UNPUBLISHED)
    assert platform.get(f"/practices/{practice.slug}/").status_code == 404
    assert b"Greener" not in platform.get("/practices/").content


def test_publish_page(world):
    client = client_for(world.admin, world.riverton)
    page = client.get("/practices/publish/")
    assert page.status_code == 200
    admin = client.get(f"/admin/ideas/challenge/{world.challenge.pk}/change/")
    assert f"/practices/publish/?challenge={world.challenge.pk}" in admin.content.decode()
    chosen = client.get(f"/practices/publish/?challenge={world.challenge.pk}")
    assert re.search(rf'value="{world.challenge.pk}"[^>]*checked', chosen.content.decode())
    for hostile in ("x", "-1", "9" * 40, "%00"):
        assert client.get(f"/practices/publish/?challenge={hostile}").status_code == 200
    data = {
        "challenges": [str(world.challenge.pk)],
        "title_en": "From the form",
        "contact_email": "participation@riverton.example",
        "method": "call_for_ideas",
        "licence": "CC-BY-4.0",
    }
    response = client.post("/practices/publish/", data)
    assert response.status_code == 302
    assert Practice.objects.get().title == "From the form"


@pytest.mark.parametrize(
    "overrides",
    [
        {"challenges": ["999999"]},
        {"title_en": "x" * 500},
        {"contact_email": "admin@riverton.example"},
        {"method": "<script>"},
    ],
)
def test_publish_page_hostile_input(world, overrides):
    client = client_for(world.admin, world.riverton)
    data = {
        "challenges": [str(world.challenge.pk)],
        "title_en": "From the form",
        "contact_email": "participation@riverton.example",
        "method": "call_for_ideas",
        "licence": "CC-BY-4.0",
        **overrides,
    }
    response = client.post("/practices/publish/", data)
    assert 400 <= response.status_code < 500
    assert Practice.objects.count() == 0


def test_publish_page_refuses_other_citys_challenge(world):
    with city_context(world.lakeside):
        from tests.ideas.factories import ChallengeFactory

        theirs = ChallengeFactory()
    client = client_for(world.admin, world.riverton)
    response = client.post(
        "/practices/publish/",
        {
            "challenges": [str(theirs.pk)],
            "title_en": "Steal",
            "contact_email": "participation@riverton.example",
            "method": "call_for_ideas",
            "licence": "CC-BY-4.0",
        },
    )
    assert response.status_code == 400
    assert Practice.objects.count() == 0


@pytest.mark.parametrize("who", ["citizen", "moderator", "evaluator"])
def test_publish_page_for_other_roles(world, who):
    client = client_for(getattr(world, who), world.riverton)
    assert client.get("/practices/publish/").status_code == 403


def test_publish_page_not_on_the_platform_host(world, platform):
    assert platform.get("/practices/publish/").status_code == 404


def test_adopt_through_the_page(world, practice):
    client = client_for(world.lakeside_admin, world.lakeside)
    page = client.get(f"/practices/{practice.slug}/")
    # The adoption form, whatever the page's language.
    assert f'action="/practices/{practice.slug}/adopt/"'.encode() in page.content
    starts = (timezone.localdate() + timedelta(days=30)).isoformat()
    url = f"/practices/{practice.slug}/adopt/"
    first = client.post(url, {"starts_on": starts})
    second = client.post(url, {"starts_on": starts})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Adoption.objects.count() == 1
    assert client.post(url, {"starts_on": "not a date"}).status_code == 400
    assert client.post(url, {"starts_on": "1999-01-01"}).status_code == 400


def test_other_citys_staff_cannot_unpublish_through_the_page(world, practice):
    for user, city in (
        (world.lakeside_admin, world.lakeside),
        (world.moderator, world.riverton),
        (world.admin, world.lakeside),
    ):
        response = client_for(user, city).post(f"/practices/{practice.slug}/unpublish/")
        assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.status == Practice.Status.PUBLISHED
    response = client_for(world.admin, world.riverton).post(
        f"/practices/{practice.slug}/unpublish/"
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == Practice.Status.UNPUBLISHED


def test_comment_through_the_page(world, practice):
    client = client_for(world.hillcrest_admin, world.hillcrest)
    response = client.post(f"/practices/{practice.slug}/comments/", {"text": "Vraag?"})
    assert response.status_code == 302
    page = Client(HTTP_HOST=PLATFORM).get(f"/practices/{practice.slug}/")
    assert "Vraag?" in page.content.decode()
    assert "Hillcrest" in page.content.decode()
    assert "admin@hillcrest.example" not in page.content.decode()
    anonymous = Client(HTTP_HOST="hillcrest.localhost")
    response = anonymous.post(f"/practices/{practice.slug}/comments/", {"text": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_platform_home_shows_the_exchange(world, practice, platform):
    response = platform.get("/")
    assert b"Greener streets chosen by residents" in response.content


def test_api_list_detail_and_open_data(world, practice, platform):
    listed = platform.get("/api/v1/practices/").json()
    (item,) = listed["results"]
    assert item["slug"] == practice.slug
    assert item["licence"] == "CC-BY-4.0"
    assert item["texts"]["title"]["fr"].startswith("Des rues")
    assert {row["key"] for row in item["evidence"]} >= {"participants", "share_answered"}
    detail = platform.get(f"/api/v1/practices/{practice.slug}/").json()
    assert detail["adoptions"] == []
    assert detail["template"]["challenges"][0]["phases"]["ideas_days"] == 42
    assert platform.get("/api/v1/practices/nope/").status_code == 404
    csv = platform.get("/api/v1/practices/open-data.csv")
    assert csv.status_code == 200
    assert b"https://creativecommons.org/licenses/by/4.0/" in csv.content
    data = platform.get("/api/v1/practices/open-data.json").json()
    assert data["practices"][0]["licence_url"]
