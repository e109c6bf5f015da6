"""The OpenAPI schema generates cleanly and its docs are served locally."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/challenges/",
        "/api/v1/ideas/{id}/support/",
        "/api/v1/ideas/{id}/comments/",
    ):
        assert path in text
    assert "cityToken" in text


def test_schema_and_docs_are_served_on_a_city_host(city):
    client = Client(HTTP_HOST=host_of(city))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/ideas/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Swagger UI comes from this site (drf-spectacular-sidecar), not a CDN.
    assert "swagger-ui-bundle.js" in html and "cdn." not in html
    assert client.get("/api/docs/?script").status_code == 200


def test_every_operation_declares_the_errors_it_can_answer(city):
    """Issue 19: generated clients must know every status the API answers
    with, each described by the one error shape."""
    client = Client(HTTP_HOST=host_of(city))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    assert set(components["Error"]["required"]) == {"code", "detail"}
    assert set(components["ValidationError"]["required"]) == {"code", "detail"}
    assert "errors" in components["ValidationError"]["properties"]
    operations = [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 50
    for method, path, operation in operations:
        responses = operation["responses"]
        where = f"{method} {path}"
        expected = {"404", "406", "429"}
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected.add("400")
        if any(operation.get("security", [])):
            expected |= {"401", "403"}
        assert expected <= set(responses), (where, sorted(responses))
        for status in expected:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            shape = "ValidationError" if status == "400" else "Error"
            assert ref == f"#/components/schemas/{shape}", (where, status, ref)
        assert "Retry-After" in responses["429"]["headers"], where
        if "401" in responses:
            assert "WWW-Authenticate" in responses["401"]["headers"], where
