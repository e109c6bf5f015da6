"""``Idempotency-Key``: a replayed POST answers the same without creating
twice; the same key with another body is 409; keys are per person."""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase

from civicideas.api import idempotency
from civicideas.tenancy import city_context
from ideas.models import Comment, Idea
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def post(api, path, data, key, **extra):
    """POST and commit, as a real request does (the answer is remembered at
    commit, which the test's own transaction would otherwise hold back)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.post(
            path,
            json.dumps(data),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **extra,
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


def post_uncommitted(api, path, data, key):
    """POST, then stop before the commit: a node killed at that moment."""
    with TestCase.captureOnCommitCallbacks(execute=False) as at_commit:
        response = api.post(
            path, json.dumps(data), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )
    return response, at_commit


def finished_transaction(outcome: str) -> str:
    """The id of a real transaction that wrote and then committed or rolled back."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
    ) as other:
        xid = other.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        other.commit() if outcome == "commit" else other.rollback()
    return xid


def stored_xid(city, user_pk: int, raw: str, xid: str) -> None:
    """Point the stored answer of ``raw`` at another transaction."""
    key = f"{idempotency.PREFIX}:{city.pk}:{user_pk}:{hashlib.sha256(raw.encode()).hexdigest()}"
    record = cache.get(key)
    assert record["state"] == "written"
    cache.set(key, {**record, "xid": xid})


def test_an_answer_whose_transaction_is_still_open_is_not_replayed(city, citizen_api, challenge):
    """Answered, not committed yet (or the node is dying): a retry is "in
    progress", never a replayed 201 for a write that may not happen."""
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    first, at_commit = post_uncommitted(citizen_api, "/api/v1/ideas/", data, "k")
    assert first.status_code == 201
    retry = post(citizen_api, "/api/v1/ideas/", data, "k")
    assert retry.status_code == 409
    assert retry.json()["code"] == "idempotency_in_progress"

    for callback in at_commit:  # the transaction commits
        callback()
    replay = post(citizen_api, "/api/v1/ideas/", data, "k")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    with city_context(city):
        assert Idea.objects.count() == 1


def test_a_node_killed_after_its_commit_leaves_an_answer_that_is_replayed(
    city, citizen_api, challenge
):
    """Committed, then killed before marking the answer done: the retry is
    answered from it (PostgreSQL says the transaction committed); nothing is
    written twice."""
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    first, _never_run = post_uncommitted(citizen_api, "/api/v1/ideas/", data, "k")
    stored_xid(city, citizen_api_user(city), "k", finished_transaction("commit"))
    replay = post(citizen_api, "/api/v1/ideas/", data, "k")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    with city_context(city):
        assert Idea.objects.count() == 1


def test_a_node_killed_before_its_commit_leaves_a_retry_that_runs_again(
    city, citizen_api, challenge
):
    """Answered, then the transaction rolled back (killed before COMMIT): the
    write never happened, so a retry runs the request again instead of
    replaying a 201 for nothing — once, whatever the number of retries."""
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    post_uncommitted(citizen_api, "/api/v1/ideas/", data, "k")
    stored_xid(city, citizen_api_user(city), "k", finished_transaction("rollback"))
    retry = post(citizen_api, "/api/v1/ideas/", data, "k")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    again = post(citizen_api, "/api/v1/ideas/", data, "k")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == retry.json()


def test_a_node_killed_before_answering_leaves_a_retry_that_runs_at_once(
    city, citizen_api, challenge
):
    """The request died before it answered (its key is still "running") and
    PostgreSQL aborted its transaction when the connection dropped: the
    retry runs now, not after LOCK_TTL; a running request still gets 409."""
    data = {"challenge": challenge.pk, "title": "Trees", "body": "More trees"}
    key = f"{idempotency.PREFIX}:{city.pk}:{citizen_api_user(city)}:"
    key += hashlib.sha256(b"k").hexdigest()
    fingerprint = "\n".join(["POST", "/api/v1/ideas/", json.dumps(data).encode().hex()])
    fingerprint = hashlib.sha256(fingerprint.encode()).hexdigest()

    alive = {"state": "running", "fingerprint": fingerprint, "xid": open_transaction_xid()}
    cache.set(key, alive, 60)
    running = post(citizen_api, "/api/v1/ideas/", data, "k")
    assert running.status_code == 409
    assert running.json()["code"] == "idempotency_in_progress"

    dead = {**alive, "xid": finished_transaction("rollback")}
    cache.set(key, dead, 60)
    retry = post(citizen_api, "/api/v1/ideas/", data, "k")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    with city_context(city):
        assert Idea.objects.count() == 1


def open_transaction_xid() -> str:
    """The id of this test's own transaction, which is still open."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text")
        return cursor.fetchone()[0]


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
