"""Tokens: issued for one city, refused on every other, revocable, and the
token endpoint does not help anyone guess passwords."""

from __future__ import annotations

import pytest
from django.test import override_settings

from civicideas.apitokens.models import ApiToken
from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.roles import Role
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_member
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/ideas/"  # any endpoint; authentication is checked first


def issue(city, email, password=PASSWORD, **extra):
    return ApiClient(city).post_json(TOKEN_URL, {"email": email, "password": password}, **extra)


def test_token_issued_once_stored_hashed_and_usable(city, citizen, challenge):
    response = issue(city, citizen.email)
    assert response.status_code == 201, response.content
    raw = response.json()["token"]
    assert raw.startswith("civ_") and len(raw) > 40
    # The site-wide cache policy (civicideas.cache_policy) sends its full
    # never-cache header on this personal endpoint; no-store is what matters.
    assert {"no-store", "private"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    with city_context(city):
        stored = ApiToken.objects.get()
    assert stored.user == citizen and stored.city == city
    assert raw not in (stored.key_hash, stored.key_prefix) and len(stored.key_hash) == 64
    assert stored.last_used_at is None

    api = ApiClient(city, raw)
    created = api.post_json(
        "/api/v1/ideas/", {"challenge": challenge.pk, "title": "Trees", "body": "More trees."}
    )
    assert created.status_code == 201, created.content
    assert created.json()["author_name"]
    with city_context(city):
        stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_email_is_case_insensitive(city, citizen):
    assert issue(city, citizen.email.upper()).status_code == 201


def test_token_of_another_city_is_refused_with_401(city, other_city, citizen):
    raw = token_for(citizen, city)
    response = ApiClient(other_city, raw).post_json(f"{ME_URL}1/support/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    # Even a read is refused: a wrong token is an error, not anonymity.
    assert ApiClient(other_city, raw).get("/api/v1/challenges/").status_code == 401
    assert ApiClient(city, raw).get("/api/v1/challenges/").status_code == 200


def test_token_rows_are_invisible_to_other_cities(city, other_city, citizen):
    token_for(citizen, city)
    with city_context(other_city):
        assert ApiToken.objects.count() == 0
    with all_cities_context():
        assert ApiToken.objects.count() == 1


def test_unknown_and_malformed_tokens_are_401(city):
    for header in ("Token nope", "Token a b", "Bearer " + "x" * 500, "Token"):
        response = ApiClient(city).get("/api/v1/challenges/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header


def test_bearer_keyword_is_accepted(city, citizen):
    raw = token_for(citizen, city)
    response = ApiClient(city).get("/api/v1/challenges/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_revoke_current_token(city, citizen):
    raw = token_for(citizen, city)
    other_raw = token_for(citizen, city)
    api = ApiClient(city, raw)
    assert api.delete(TOKEN_URL).status_code == 204
    assert api.get("/api/v1/challenges/").status_code == 401
    assert api.delete(TOKEN_URL).status_code == 401
    # Only the token used was revoked.
    assert ApiClient(city, other_raw).get("/api/v1/challenges/").status_code == 200
    with city_context(city):
        assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 1


def test_revoke_needs_a_token(city, citizen):
    assert ApiClient(city).delete(TOKEN_URL).status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_answer(city, citizen):
    wrong = issue(city, citizen.email, "not-the-password")
    unknown = issue(city, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"
    assert "not correct" in wrong.json()["detail"]


def test_inactive_user_gets_the_same_answer(city):
    user = make_member(city, Role.CITIZEN, is_active=False)
    response = issue(city, user.email)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_missing_fields_are_400(city):
    response = ApiClient(city).post_json(TOKEN_URL, {"email": "a@example.org"})
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_unverified_email_gets_no_token(city):
    user = UserFactory(verified=False)
    response = issue(city, user.email)
    assert response.status_code == 400
    assert response.json()["code"] == "email_unverified"


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_LIMIT_PER_IP=3)
def test_throttled_after_failed_attempts_even_with_the_right_password(city, citizen):
    for _ in range(3):
        assert issue(city, citizen.email, "guess").status_code == 400
    blocked = issue(city, citizen.email)
    assert blocked.status_code == 429
    assert "Retry-After" in blocked
    # Another address from the same IP is blocked too (per-IP counter) ...
    assert issue(city, "someone@example.org", "guess").status_code == 429
    # ... and the address from another IP (per-address counter).
    assert issue(city, citizen.email, REMOTE_ADDR="10.9.8.7").status_code == 429
    # A fresh IP and a fresh address still work.
    other = make_member(city, Role.CITIZEN)
    assert issue(city, other.email, REMOTE_ADDR="10.9.8.7").status_code == 201


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_LIMIT_PER_IP=3)
def test_forged_forwarded_for_does_not_reset_the_counter(city, citizen):
    for n in range(3):
        issue(city, f"p{n}@example.org", "guess", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    response = issue(city, "p9@example.org", "guess", HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert response.status_code == 429


def test_no_token_on_the_platform_host(db, citizen):
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    response = client.post(
        TOKEN_URL, {"email": citizen.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 404


def test_session_authentication_keeps_csrf(city, citizen, challenge):
    api = ApiClient(city, enforce_csrf_checks=True)
    api.force_login(citizen)
    assert api.get("/api/v1/challenges/").status_code == 200
    payload = {"challenge": challenge.pk, "title": "Trees", "body": "More trees."}
    refused = api.post_json("/api/v1/ideas/", payload)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    api.get("/")  # the city's home page sets the CSRF cookie
    token = api.cookies["csrftoken"].value
    accepted = api.post_json("/api/v1/ideas/", payload, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content
