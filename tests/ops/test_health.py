"""``/healthz`` and ``/readyz``: 200 when PostgreSQL answers (saying
"degraded" and naming Redis or the broker when those are down), 503 naming
the database when it is down, quickly, on any host, over plain HTTP even
where HTTPS is enforced."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client


def get_health(host: str = "localhost", path: str = "/healthz", **extra) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = Client().get(path, HTTP_HOST=host, **extra)
    return response.status_code, response.json(), time.monotonic() - started


@pytest.mark.django_db
def test_healthy_when_database_and_redis_answer():
    status, body, _ = get_health()
    assert status == 200
    assert body == {"database": "ok", "redis": "ok", "status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host", ["10.0.0.7:8000", "127.0.0.1", "web", "unknown-city.example", "[::1]:8000"]
)
def test_answers_on_any_host_even_those_no_city_or_allowed_hosts_knows(settings, host):
    settings.ALLOWED_HOSTS = ["riverton.example"]
    status, body, _ = get_health(host)
    assert (status, body["status"]) == (200, "ok")


@pytest.mark.django_db
def test_exempt_from_the_https_redirect_but_other_paths_are_redirected(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["riverton.localhost"]
    status, _, _ = get_health("10.0.0.7")
    assert status == 200
    other = Client().get("/", HTTP_HOST="riverton.localhost")
    assert other.status_code == 301
    assert other["Location"].startswith("https://riverton.localhost/")


@pytest.mark.django_db
def test_redis_down_is_degraded_not_down(settings, closed_port):
    """Pages, sign-in and the API keep working without Redis (issue 21 §7),
    so a load balancer must not take the node out: 200, naming Redis.
    (It was a 503, which took every web node out at once.)"""
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    status, body, elapsed = get_health()
    assert status == 200
    assert body == {"database": "ok", "redis": "down", "status": "degraded: redis"}
    assert elapsed < 3


@pytest.mark.django_db
def test_readiness_reports_each_part(settings, closed_port):
    status, body, _ = get_health(path="/readyz")
    # Since issue 18, /readyz checks the upload storage too ("storage").
    assert (status, body) == (
        200,
        {"database": "ok", "redis": "ok", "broker": "ok", "storage": "ok", "status": "ok"},
    )
    settings.REDIS_URL = settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    status, body, elapsed = get_health("10.0.0.7:8000", path="/readyz")
    assert status == 200
    assert body == {
        "database": "ok",
        "redis": "down",
        "broker": "down",
        "storage": "ok",
        "status": "degraded: broker, redis",
    }
    assert elapsed < 4


@pytest.mark.django_db
def test_readiness_is_exempt_from_the_https_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    status, _, _ = get_health("10.0.0.7", path="/readyz")
    assert status == 200


def test_database_down_is_a_quick_503_naming_the_database(
    django_db_setup, django_db_blocker, monkeypatch, closed_port
):
    # Not inside a test transaction: the check must open a real connection,
    # and that connection is pointed at a port where no PostgreSQL listens.
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port))
        try:
            status, body, elapsed = get_health()
        finally:
            connection.close()
            monkeypatch.undo()
        assert connection.cursor()  # and it recovers once PostgreSQL is back
        connection.close()
    assert status == 503
    assert body == {"database": "down", "redis": "ok", "status": "unavailable: database"}
    assert elapsed < 3


def test_both_down_names_both(
    django_db_setup, django_db_blocker, monkeypatch, settings, closed_port
):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port))
        try:
            status, body, _ = get_health("203.0.113.9")
        finally:
            connection.close()
            monkeypatch.undo()
    assert status == 503
    assert body["status"] == "unavailable: database, redis"


@pytest.mark.django_db
def test_health_is_not_cached_and_other_paths_are_untouched():
    response = Client().get("/healthz", HTTP_HOST="localhost")
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/json"
    # A near miss is an ordinary URL: on an unknown host it gets the 404 page.
    assert Client().get("/healthz/extra", HTTP_HOST="nowhere.example").status_code == 404
