"""Hostile input to the API: always a 4xx with a message, never a 500 and
never a half-written row; user text comes back as inert JSON strings."""

from __future__ import annotations

import json

import pytest

from civicideas.tenancy import city_context
from ideas.models import Comment, Idea
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db

XSS = [
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "</script><script>alert(1)</script>",
]


def no_ideas(city) -> bool:
    with city_context(city):
        return Idea.objects.count() == 0


def test_malformed_json_is_400(city, citizen_api):
    for body in ("{", '{"title": }', "[1, 2", '{"a": NaN}', "\xff\xfe"):
        response = citizen_api.post("/api/v1/ideas/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["detail"]
    assert no_ideas(city)


def test_invalid_utf8_is_400(city, citizen_api):
    response = citizen_api.post(
        "/api/v1/ideas/", b'{"title": "\xc3\x28"}', content_type="application/json"
    )
    assert response.status_code == 400


def test_top_level_list_or_scalar_is_400(city, citizen_api, challenge):
    for body in ("[]", "1", '"text"', "null"):
        response = citizen_api.post("/api/v1/ideas/", body, content_type="application/json")
        assert response.status_code == 400, body


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_wrong_content_type_is_415(city, citizen_api, challenge, content_type):
    response = citizen_api.post(
        "/api/v1/ideas/", f"challenge={challenge.pk}&title=a&body=b", content_type=content_type
    )
    assert response.status_code == 415
    assert no_ideas(city)


@pytest.mark.parametrize(
    "field,value",
    [
        ("title", "Trees\x00"),
        ("body", "Nul \x00 byte"),
        ("title", "\x07bell"),
    ],
)
def test_control_characters_are_400(city, citizen_api, challenge, field, value):
    payload = {"challenge": challenge.pk, "title": "Fine", "body": "Fine"} | {field: value}
    response = citizen_api.post_json("/api/v1/ideas/", payload)
    assert response.status_code == 400, response.content
    assert no_ideas(city)


@pytest.mark.parametrize("field", ["title", "body"])
def test_lone_surrogate_in_json_is_400(city, citizen_api, challenge, field):
    # Written by hand: json.dumps would refuse the lone surrogate.
    fields = {"challenge": challenge.pk, "title": "Fine", "body": "Fine"}
    raw = json.dumps(fields)[:-1] + f', "{field}": "bad \\ud800 text"}}'
    response = citizen_api.post("/api/v1/ideas/", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert no_ideas(city)


def test_lone_surrogate_in_comment_is_400(city, citizen_api, challenge):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
    response = citizen_api.post(
        f"/api/v1/ideas/{idea.pk}/comments/", '{"body": "\\udfff"}', content_type="application/json"
    )
    assert response.status_code == 400
    with city_context(city):
        assert Comment.objects.count() == 0


def test_ten_megabyte_body_is_413(city, citizen_api, challenge):
    payload = json.dumps({"challenge": challenge.pk, "title": "Big", "body": "x" * 10_000_000})
    response = citizen_api.post("/api/v1/ideas/", payload, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert no_ideas(city)


def test_body_over_the_limit_in_characters_is_400(city, citizen_api, challenge):
    payload = {"challenge": challenge.pk, "title": "é" * 150, "body": "😀" * 5001}
    response = citizen_api.post_json("/api/v1/ideas/", payload)
    assert response.status_code == 400 and "body" in response.json()["errors"]
    payload["body"] = "😀" * 5000  # 20 kB of UTF-8, 5,000 characters: fine
    assert citizen_api.post_json("/api/v1/ideas/", payload).status_code == 201


def test_emoji_rtl_and_combining_marks_round_trip(city, citizen_api, challenge):
    title = "حديقة 🌳 Cafe\u0301"
    response = citizen_api.post_json(
        "/api/v1/ideas/", {"challenge": challenge.pk, "title": title, "body": "שלום"}
    )
    assert response.status_code == 201
    assert response.json()["title"] == "حديقة 🌳 Café"  # NFC-normalised
    assert response.json()["body"] == "שלום"


@pytest.mark.parametrize("payload", XSS)
def test_xss_comes_back_as_plain_json_strings(city, citizen_api, challenge, anon, payload):
    created = citizen_api.post_json(
        "/api/v1/ideas/", {"challenge": challenge.pk, "title": payload[:150], "body": payload}
    )
    assert created.status_code == 201, created.content
    idea_id = created.json()["id"]
    comment = citizen_api.post_json(f"/api/v1/ideas/{idea_id}/comments/", {"body": payload})
    assert comment.status_code == 201
    for url in (
        f"/api/v1/ideas/{idea_id}/",
        f"/api/v1/ideas/?challenge={challenge.pk}",
        f"/api/v1/ideas/{idea_id}/comments/",
    ):
        response = anon.get(url, HTTP_ACCEPT="text/html,*/*")
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
    detail = anon.get(f"/api/v1/ideas/{idea_id}/").json()
    # Stored and returned as typed: a JSON string, not HTML (escaping is the
    # renderer's job in HTML, and JSON is never rendered as HTML here).
    assert detail["body"] == payload and detail["title"] == payload[:150]
    assert anon.get(f"/api/v1/ideas/{idea_id}/comments/").json()["results"][0]["body"] == payload


def test_html_is_never_rendered(city, anon, challenge):
    response = anon.get("/api/v1/challenges/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    response = anon.get("/api/v1/challenges/?format=api")
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "query",
    [
        "category=%00",
        "category=1%00",
        "category=99999999999999999999999",
        "district=-1",
        "seed=abc",
        "seed=99999999999",
        "status=%00",
        "sort=%00",
        "q=" + "a" * 300,
        "q=%00",
        "cursor=" + "A" * 2000,
    ],
)
def test_hostile_query_parameters_are_4xx(city, anon, challenge, query):
    response = anon.get(f"/api/v1/ideas/?challenge={challenge.pk}&{query}")
    assert 400 <= response.status_code < 500, response.content


@pytest.mark.parametrize("challenge_param", ["%00", "abc", "99999999999999999999999", "1.5"])
def test_hostile_challenge_parameter_is_4xx(city, anon, challenge_param):
    response = anon.get(f"/api/v1/ideas/?challenge={challenge_param}")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "field,value",
    [
        ("challenge", "abc"),
        ("challenge", 10**30),
        ("category", [1]),
        ("category", {"id": 1}),
        ("latitude", "NaN"),
        ("latitude", "1e400"),
        ("latitude", 91),
        ("longitude", "Infinity"),
        ("language", "xx"),
        ("submission_token", "not-a-uuid"),
        ("title", None),
        ("body", ["a"]),
    ],
)
def test_hostile_field_values_are_400(city, citizen_api, challenge, field, value):
    payload = {"challenge": challenge.pk, "title": "T", "body": "B"} | {field: value}
    response = citizen_api.post_json("/api/v1/ideas/", payload)
    assert response.status_code == 400, response.content
    assert no_ideas(city)


def test_location_outside_the_city_is_400_with_a_message(city, citizen_api, challenge):
    with city_context(city):
        city.min_latitude, city.max_latitude = 50, 51
        city.min_longitude, city.max_longitude = 4, 5
        city.save()
    payload = {"challenge": challenge.pk, "title": "T", "body": "B", "latitude": 10, "longitude": 4}
    response = citizen_api.post_json("/api/v1/ideas/", payload)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "Riverton" in response.json()["detail"]
