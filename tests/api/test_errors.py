"""Every answer under /api/ that is an error is JSON in one shape —
``{"code", "detail"}`` plus ``errors`` for invalid input — whether REST
framework, a service, Django's routing, its CSRF check, its error handlers or
the tenancy middleware gave it; pages keep their HTML (issue 19)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.test import Client, RequestFactory

from civicideas.api import errors
from civicideas.api.errors import csrf_failure
from civicideas.api.exceptions import api_exception_handler
from civicideas.errors import Conflict
from ideas.api.views import ChallengeViewSet
from tests.api.conftest import ApiClient, token_for
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the API's JSON error: status, code, detail."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert set(body) <= {"code", "detail", "errors"}, body
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/nope",
        "/api/v1/",
        "/api/v1/nope/",
        "/api/v2/ideas/",
        "/api/v1/ideas/1/nope/",
        "/api/v1/open-data/ideas.xml",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_unknown_paths_are_json_404(city, anon, path, method):
    assert_error(getattr(anon, method)(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/challenges/abc/"),
        ("get", "/api/v1/challenges/1.5/"),
        ("get", "/api/v1/challenges/null/"),
        ("get", "/api/v1/challenges/-1/"),
        ("get", "/api/v1/challenges/%C2%B2/"),  # ² is a digit to str.isdigit()
        ("get", "/api/v1/challenges/99999999999999999999999999/"),
        ("post", "/api/v1/ideas/null,null/support/"),
        ("delete", "/api/v1/ideas/1.0/support/"),
        ("get", "/api/v1/ideas/%00/comments/"),
        ("patch", "/api/v1/ideas/1e3/"),
        ("get", "/api/v1/rankings/abc/"),
        ("post", "/api/v1/me/notifications/true/read/"),
        ("post", "/api/v1/moderation/ideas/x/"),
        ("post", "/api/v1/offers/[]/accept/"),
    ],
)
def test_ids_that_are_not_ids_are_json_404(city, citizen_api, method, path):
    if method == "get":
        response = citizen_api.get(path)
    else:
        response = getattr(citizen_api, method)(path, "{}", content_type="application/json")
    assert_error(response, 404, "not_found")


def test_a_read_without_its_final_slash_is_redirected_as_before(city, anon):
    response = anon.get("/api/v1/challenges?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/challenges/?x=1"
    # A write would lose its body on a redirect: it is told 404 instead.
    assert_error(anon.post_json("/api/v1/challenges", {}), 404)


def test_wrong_method_is_json_405_with_allow(city, citizen_api):
    response = citizen_api.put("/api/v1/challenges/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_wrong_content_type_is_json_415(city, citizen_api):
    response = citizen_api.post("/api/v1/ideas/", "title=x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_malformed_json_is_a_parse_error(city, citizen_api):
    response = citizen_api.post("/api/v1/ideas/", "{", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_too_large_body_is_json_413(city, citizen_api):
    body = json.dumps({"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = citizen_api.post("/api/v1/ideas/", body, content_type="application/json")
    assert_error(response, 413, "too_large")


def test_field_errors_carry_code_detail_and_errors(city, citizen_api, challenge):
    response = citizen_api.post_json("/api/v1/ideas/", {"title": "", "challenge": "abc"})
    body = assert_error(response, 400, "invalid")
    assert set(body["errors"]) >= {"title", "body", "challenge"}
    for messages in body["errors"].values():
        assert messages and all(isinstance(m, str) and m for m in messages)


def test_nested_field_errors_are_named_with_dots(city, citizen_api):
    response = citizen_api.put(
        "/api/v1/me/preferences/",
        json.dumps({"choices": {"no-such-kind": "carrier-pigeon"}}),
        content_type="application/json",
    )
    body = assert_error(response, 400)
    assert body["errors"], body


def test_non_field_errors_keep_their_own_code(city, anon, challenge):
    response = anon.get(f"/api/v1/ideas/?challenge={challenge.pk}&cursor=forged")
    body = assert_error(response, 400, "invalid_cursor")
    assert "errors" not in body or set(body["errors"]) == {"non_field_errors"}


def test_unauthenticated_is_json_401_with_www_authenticate(city):
    response = ApiClient(city, token="not-a-token").get("/api/v1/challenges/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"
    response = ApiClient(city).post_json("/api/v1/ideas/", {})
    assert_error(response, 401, "not_authenticated")


def test_locked_out_token_requests_are_json_429_with_retry_after(city, citizen):
    api = ApiClient(city)
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        refused = api.post_json("/api/v1/auth/token/", {"email": citizen.email, "password": "x"})
        assert_error(refused, 400, "invalid_credentials")
    response = api.post_json("/api/v1/auth/token/", {"email": citizen.email, "password": "x"})
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_csrf_refusal_with_session_auth_is_json_403(city, citizen, challenge):
    api = ApiClient(city, enforce_csrf_checks=True)
    api.force_login(citizen)
    response = api.post_json("/api/v1/ideas/", {"challenge": challenge.pk, "title": "T"})
    assert_error(response, 403, "csrf_failed")


def test_django_csrf_failure_view_answers_json_under_api_and_html_elsewhere():
    factory = RequestFactory()
    assert_error(
        csrf_failure(factory.post("/api/v1/ideas/"), reason="no cookie"), 403, "csrf_failed"
    )
    page = csrf_failure(factory.post("/ideas/"), reason="no cookie")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


def test_unknown_host_is_json_under_api_and_a_page_elsewhere(city):
    client = Client(HTTP_HOST="nowhere.localhost")
    for path in ("/api/v1/ideas/", "/api/nope", "/api/schema/"):
        assert_error(client.get(path), 404, "unknown_host")
    page = client.get("/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_the_platform_host_has_no_api(city):
    client = Client(HTTP_HOST="localhost")
    assert_error(client.get("/api/v1/challenges/"), 404, "not_found")
    assert_error(client.get("/api/v1/nope/"), 404, "not_found")


def test_a_server_error_is_json_under_api(city, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ChallengeViewSet, "list", boom)
    client = Client(HTTP_HOST=host_of(city), raise_request_exception=False)
    response = client.get("/api/v1/challenges/")
    assert_error(response, 500, "server_error")
    assert b"a bug" not in response.content


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (errors.bad_request, 400),
        (errors.permission_denied, 403),
        (errors.page_not_found, 404),
        (errors.server_error, 500),
    ],
)
def test_django_error_handlers_answer_json_under_api_and_pages_elsewhere(city, handler, status):
    factory = RequestFactory()
    args = () if status == 500 else (Exception("x"),)
    assert_error(handler(factory.get("/api/v1/ideas/"), *args), status)
    page = handler(factory.get("/ideas/"), *args)
    assert page.status_code == status and page["Content-Type"].startswith("text/html")


def test_pages_keep_their_html_404(city):
    response = Client(HTTP_HOST=host_of(city)).get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_service_errors_and_django_validation_errors_share_the_shape():
    conflict = api_exception_handler(Conflict("Someone else answered first."), {})
    assert conflict.status_code == 409
    assert conflict.data == {"code": "conflict", "detail": "Someone else answered first."}

    invalid = api_exception_handler(
        DjangoValidationError({"title": ["Too short."], "__all__": ["Nope."]}), {}
    )
    assert invalid.status_code == 400
    assert invalid.data["code"] == "invalid"
    assert invalid.data["errors"] == {"title": ["Too short."], "non_field_errors": ["Nope."]}

    plain = api_exception_handler(DjangoValidationError("Closed.", code="closed"), {})
    assert plain.data == {
        "code": "closed",
        "detail": "Closed.",
        "errors": {"non_field_errors": ["Closed."]},
    }


def test_every_token_answer_keeps_the_shape(city, citizen):
    api = ApiClient(city, token=token_for(citizen, city))
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert_error(api.delete("/api/v1/auth/token/"), 401)
