"""``Idempotency-Key``: a replayed POST answers the same without creating
twice; the same key with another body is 409; keys are per person."""

from __future__ import annotations

import json

import pytest

from civicideas.tenancy import city_context
from ideas.models import Comment, Idea
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def post(api, path, data, key, **extra):
    return api.post(
        path, json.dumps(data), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra
    )


def test_replay_returns_the_same_answer_and_creates_once(city, citizen_api, challenge):
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    first = post(citizen_api, "/api/v1/ideas/", data, "key-1")
    again = post(citizen_api, "/api/v1/ideas/", data, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with city_context(city):
        assert Idea.objects.count() == 1


def test_same_key_other_body_is_409(city, citizen_api, challenge):
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    assert post(citizen_api, "/api/v1/ideas/", data, "k").status_code == 201
    other = post(citizen_api, "/api/v1/ideas/", data | {"title": "Bees"}, "k")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"
    with city_context(city):
        assert Idea.objects.count() == 1


def test_keys_are_per_person(city, citizen_api, challenge):
    other = make_member(city)
    other_api = ApiClient(city, token_for(other, city))
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    assert post(citizen_api, "/api/v1/ideas/", data, "shared").status_code == 201
    assert post(other_api, "/api/v1/ideas/", data, "shared").status_code == 201
    with city_context(city):
        assert Idea.objects.count() == 2


def test_refusals_are_replayed_too_and_without_key_nothing_is_remembered(
    city, citizen_api, challenge
):
    bad = {"challenge": challenge.pk, "title": "", "body": "x"}
    assert post(citizen_api, "/api/v1/ideas/", bad, "bad").status_code == 400
    assert post(citizen_api, "/api/v1/ideas/", bad, "bad")["Idempotent-Replayed"] == "true"
    with city_context(city):
        idea_id = Idea.objects.create(
            city=city,
            challenge=challenge,
            author_id=citizen_api_user(city),
            title="t",
            body="b",
            language="en",
            status="published",
        ).pk
    for _ in range(2):
        citizen_api.post_json(f"/api/v1/ideas/{idea_id}/comments/", {"body": "Hi"})
    with city_context(city):
        assert Comment.objects.count() == 2


def citizen_api_user(city) -> int:
    from civicideas.tenancy.models import Membership

    with city_context(city):
        return Membership.objects.order_by("pk").values_list("user_id", flat=True).first()


@pytest.mark.parametrize("key", ["", "x" * 201, "caf\u00e9", "a\tb"])
def test_invalid_keys_are_400(city, citizen_api, challenge, key):
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    response = post(citizen_api, "/api/v1/ideas/", data, key)
    assert response.status_code == 400
    with city_context(city):
        assert Idea.objects.count() == 0
