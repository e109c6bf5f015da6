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
