"""Schemathesis against our own schema, through the WSGI app, on a city host
with one of everything seeded, as an anonymous client, a citizen and a city
admin: every phase a CLI run has (examples, coverage — the boundary and
wrong-typed values, ids like ``null,null`` included —, fuzzing with valid
and invalid data, and the stateful phase following the links schemathesis
infers between operations), with the four conformance checks. Any finding
fails the test. Bounded and seeded: about 40 s of CPU per person. Against
the code before issue 19 it reported over 100 findings per person
(undocumented 400/401/403/404, HTML 404s for ids like ``1.5``, validation
errors without ``code``).

Schemathesis' engine calls the app from worker threads, each with its own
database connection, so the seeded data is committed
(``transaction=True``) for them to see.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.db import connections
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from civicideas.tenancy.roles import Role
from civicideas.wsgi import application
from tests.api.conftest import token_for
from tests.api.world import World
from tests.conftest import host_of, make_member

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = 8
STATEFUL_STEPS = 12


def closing_connections(environ: dict[str, Any], start_response: Any) -> Any:
    """The app, closing the worker thread's database connection after each
    request (the test database can then be dropped at the end)."""
    try:
        return list(application(environ, start_response))
    finally:
        connections.close_all()


def run_schemathesis(city: Any, headers: dict[str, str]) -> list[str]:
    """Run every phase against every operation; return the findings."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": 19,
            # No state kept between runs (and nothing written into the checkout).
            "cache": {"enabled": False},
            "suppress-health-check": ["all"],
            "workers": 1,
            "base-url": f"http://{host_of(city)}",
            # The WSGI transport sends its own Host unless told: the city's.
            "headers": {"Host": host_of(city), **headers},
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {
                "examples": {"enabled": True},
                # Unexpected methods (405) are not one of the four checks.
                "coverage": {
                    "enabled": True,
                    "unexpected-methods": [],
                    "generate-duplicate-query-parameters": False,
                },
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": STATEFUL_STEPS},
            },
        }
    )
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        closing_connections,
        config=config,
        headers={"Host": host_of(city)},
    )
    findings: list[str] = []
    phases_run: set[str] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            import time

            print("PHASE", event.phase.name, event.status, time.monotonic())
        if isinstance(event, events.ScenarioFinished):
            if event.status != Status.SKIP:
                phases_run.add(str(event.phase.value))
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        findings.append(
                            f"[{event.phase.value}] {event.label}: {check.name}: "
                            f"{failure.title}\n{failure.message}\n"
                            f"{check.failure_info.code_sample}"[:1500]
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            findings.append(f"error: {event.error!r}"[:1500])
    # The run must really have exercised the API, the stateful phase included.
    assert {"coverage", "fuzzing", "stateful"} <= phases_run, phases_run
    return sorted(set(findings))


@pytest.fixture
def world(city, other_city, monkeypatch):
    # Thousands of requests from one client: no rate limit in this test.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": None, "anon": None, "token": None}
    )
    return World(city, other_city)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [None, Role.CITIZEN, Role.CITY_ADMIN], ids=str)
def test_api_keeps_its_contract(world, city, role):
    headers = {"Authorization": f"Token {token_for(make_member(city, role), city)}"} if role else {}
    findings = run_schemathesis(city, headers)
    assert not findings, f"{len(findings)} findings:\n\n" + "\n\n".join(findings)
