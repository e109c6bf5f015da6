"""Schemathesis against our own schema, through the WSGI app, on a city host
with one of everything seeded: no 5xx, and every documented response body
matches the schema. Bounded and derandomized so it runs in CI."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from civicideas.tenancy.roles import Role
from civicideas.wsgi import application
from tests.api.conftest import token_for
from tests.api.world import World
from tests.conftest import host_of, make_member

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def _keep_connection():
    """The WSGI handler closes the database connection after each request,
    which would end the test's transaction; Django's test client does the
    same as this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(city, other_city, monkeypatch, _keep_connection):
    # Hundreds of requests from one client: no rate limit in this test.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": None, "anon": None, "token": None}
    )
    World(city, other_city)
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, base_url=f"http://{host_of(city)}"
    )


@pytest.fixture
def admin_token(city):
    return token_for(make_member(city, Role.CITY_ADMIN), city)


BOUNDS = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def run_all(schema, city, headers: dict[str, str]) -> list[str]:
    """Every operation with bounded examples; returns the failures.

    (``schemathesis.pytest.from_fixture`` does not work with pytest 9 yet,
    so the operations are walked with the Python API.)
    """
    failures: list[str] = []
    base_url = f"http://{host_of(city)}"
    for result in schema.get_all_operations():
        operation = result.ok()

        @BOUNDS
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 - collected and reported below
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:2000])
    return failures


@pytest.mark.django_db
def test_api_anonymous(api_schema, city):
    failures = run_all(api_schema, city, {})
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_api_city_admin(api_schema, city, admin_token):
    failures = run_all(api_schema, city, {"Authorization": f"Token {admin_token}"})
    assert not failures, "\n\n".join(failures)
