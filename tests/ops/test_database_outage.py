"""PostgreSQL stopped: pages answer a short 503 page, the API a 503 JSON
error, both with ``Retry-After``; nothing is half-written; and the same
process serves again once PostgreSQL is back (issue 21 §7).

The module starts a private PostgreSQL cluster (``tests.faults``), creates the
non-superuser application role and database on it, migrates, and points
Django's connection there for its tests, so stopping it touches nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from civicideas.tenancy import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.roles import Role
from ideas.api.serializers import IdeaSerializer
from ideas.models import Idea
from tests.api.conftest import ApiClient
from tests.conftest import host_of, make_member
from tests.factories import PASSWORD, CityFactory
from tests.faults import PrivatePostgres
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.slow

APP = {"USER": "civicideas", "PASSWORD": "civicideas", "NAME": "civicideas_outage"}


class World:
    def __init__(self, server: PrivatePostgres) -> None:
        self.server = server
        self.city = CityFactory(slug="riverton", name="Riverton")
        self.citizen = make_member(self.city, Role.CITIZEN, email="ada@example.org")
        with city_context(self.city):
            self.challenge = ChallengeFactory(slug="green")

    def browser(self) -> Client:
        # Answers, not exceptions: the test client would re-raise what Django
        # handled, which is exactly what is under test here.
        return Client(HTTP_HOST=host_of(self.city), raise_request_exception=False)

    def api(self) -> ApiClient:
        return ApiClient(self.city, raise_request_exception=False)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    server = PrivatePostgres()
    saved = dict(connection.settings_dict)
    try:
        server.start()
        server.create_app_database(role=APP["USER"], password=APP["PASSWORD"], name=APP["NAME"])
        with django_db_blocker.unblock():
            connection.close()
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(server.port), **APP)
            call_command("migrate", verbosity=0, interactive=False)
            yield World(server)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        server.destroy()


@pytest.fixture
def running(world, django_db_blocker) -> Iterator[World]:
    if not world.server.is_running():
        world.server.start()
    forget_hosts()
    with django_db_blocker.unblock():
        yield world
        connection.close()


def assert_page_503(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Temporarily unavailable" in body
    assert "Traceback" not in body
    # The response still passes out through the security middleware.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def assert_api_503(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["detail"]


def test_pages_and_api_answer_503_while_postgresql_is_down_and_recover(running):
    browser, api = running.browser(), running.api()
    assert browser.get("/").status_code == 200
    assert api.get("/api/v1/challenges/").status_code == 200

    running.server.stop()
    started = time.monotonic()
    assert_page_503(browser.get("/"))
    assert_page_503(browser.get("/challenges/green/"))
    assert_page_503(
        browser.post("/accounts/login/", {"login": "ada@example.org", "password": PASSWORD})
    )
    assert_api_503(api.get("/api/v1/challenges/"))
    assert_api_503(
        api.post_json("/api/v1/auth/token/", {"email": "ada@example.org", "password": PASSWORD})
    )
    # On an unknown host too (the Domain lookup is what fails first).
    assert_page_503(Client(HTTP_HOST="nowhere.example", raise_request_exception=False).get("/"))
    assert time.monotonic() - started < 10, "requests hung on the dead database"

    # Liveness and readiness name the database.
    health = Client().get("/healthz", HTTP_HOST="10.0.0.7")
    assert health.status_code == 503
    assert health.json()["database"] == "down"
    ready = Client().get("/readyz", HTTP_HOST="10.0.0.7")
    assert ready.status_code == 503
    assert ready.json()["database"] == "down" and ready.json()["redis"] == "ok"

    # Back, without restarting anything: the same clients, the same process.
    running.server.start()
    assert browser.get("/").status_code == 200
    assert api.get("/api/v1/challenges/").status_code == 200
    assert Client().get("/readyz", HTTP_HOST="10.0.0.7").status_code == 200


def test_a_page_in_french_says_it_in_french(running):
    running.server.stop()
    response = running.browser().get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 503
    assert response["Content-Language"] == "fr"


def test_nothing_is_half_written_when_the_connection_dies_mid_request(running, monkeypatch):
    """The idea is written, then the server ends the connection before the
    answer is built: the request's transaction never commits."""
    original = IdeaSerializer.to_representation

    def die_then_continue(self, instance):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return original(self, instance)

    monkeypatch.setattr(IdeaSerializer, "to_representation", die_then_continue)
    api = running.api()
    api.force_login(running.citizen)
    response = api.post_json(
        "/api/v1/ideas/",
        {"challenge": running.challenge.pk, "title": "Benches", "body": "By the river."},
    )
    assert_api_503(response)
    monkeypatch.undo()
    with city_context(running.city):
        assert not Idea.objects.filter(title="Benches").exists()
    # And the next request of the same process works.
    assert running.api().get("/api/v1/challenges/").status_code == 200
