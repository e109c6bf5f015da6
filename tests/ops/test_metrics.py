"""``/metrics``: only with the configured bearer token, on any host, never
cached; the metrics named in docs/operations.md are there and the scrape-time
ones reflect the database and the broker."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from civicideas.ops import metrics
from tests.conftest import host_of
from tests.factories import UserFactory
from tests.notifications.conftest import add_notification

TOKEN = "metrics-token-0123456789-abcdef"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(host: str = "localhost", token: str | None = TOKEN, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return Client().get("/metrics", HTTP_HOST=host, **headers, **extra)


def samples(response) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(response, name: str, **labels) -> float:
    return samples(response)[(name, tuple(sorted(labels.items())))]


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "riverton.localhost", "nowhere.example"])
def test_without_a_configured_token_there_is_no_endpoint(settings, city, host):
    settings.METRICS_TOKEN = ""
    assert scrape(host).status_code == 404
    assert scrape(host, token="").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer ünïcode",
        f"Token {TOKEN}",
    ],
)
def test_a_wrong_or_missing_token_is_refused(metrics_token, authorization):
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = Client().get("/metrics", HTTP_HOST="localhost", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"civicideas_" not in response.content
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "riverton.localhost", "nowhere.example", "10.0.0.5"])
def test_the_right_token_gets_the_metrics_on_any_host(metrics_token, city, host):
    Client().get("/", HTTP_HOST=host_of(city))  # at least one counted request
    response = scrape(host)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    assert "X-Request-ID" in response
    body = response.content.decode()
    for name in (
        "civicideas_http_requests_total",
        "civicideas_http_request_duration_seconds_bucket",
        "civicideas_http_request_queries_bucket",
        "civicideas_page_cache_requests_total",
        "civicideas_notification_outbox_pending",
        "civicideas_notification_outbox_oldest_pending_age_seconds",
        "civicideas_celery_queue_length",
        "civicideas_metrics_source_up",
    ):
        assert name in body, name
    # Declared even before the first delivery / recompute / task:
    for name in (
        "civicideas_notification_deliveries",
        "civicideas_match_recompute_duration_seconds",
        "civicideas_celery_task_duration_seconds",
    ):
        assert f"# HELP {name}" in body, name


@pytest.mark.django_db
def test_only_get_and_head(metrics_token):
    response = Client().post(
        "/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert response.status_code == 405


@pytest.mark.django_db
def test_requests_are_counted_by_route_name_never_by_raw_path(metrics_token, city):
    before = scrape()
    key = ("civicideas_http_requests_total", "pages:home", "GET", "200")

    def count(response) -> float:
        return samples(response).get(
            (key[0], (("method", key[2]), ("route", key[1]), ("status", key[3]))), 0.0
        )

    Client().get("/", HTTP_HOST=host_of(city))
    Client().get("/?page=7", HTTP_HOST=host_of(city))
    Client().get("/no-such-page-8271/", HTTP_HOST=host_of(city))
    Client().generic("BREW", "/", HTTP_HOST=host_of(city))
    after = scrape()
    assert count(after) - count(before) == 2
    body = after.content.decode()
    assert "no-such-page-8271" not in body
    assert 'method="BREW"' not in body


@pytest.mark.django_db
def test_outbox_depth_and_oldest_age_reflect_the_rows(metrics_token, city, other_city):
    empty = scrape()
    assert value(empty, "civicideas_notification_outbox_pending") == 0
    assert value(empty, "civicideas_notification_outbox_oldest_pending_age_seconds") == 0
    person = UserFactory()
    add_notification(city, person)
    add_notification(city, person)
    add_notification(other_city, person)  # every city counts
    add_notification(city, person, state="sent")  # not pending
    response = scrape()
    assert value(response, "civicideas_notification_outbox_pending") == 3
    assert value(response, "civicideas_notification_outbox_oldest_pending_age_seconds") >= 0
    assert value(response, "civicideas_metrics_source_up", source="database") == 1


@pytest.mark.django_db
def test_oldest_pending_age_is_that_of_the_oldest_pending_row(metrics_token, city):
    from datetime import timedelta

    from django.utils import timezone

    from civicideas.notifications.models import Notification
    from civicideas.tenancy.context import city_context

    person = UserFactory()
    old = add_notification(city, person)
    add_notification(city, person)
    older_but_sent = add_notification(city, person, state="sent")
    with city_context(city):
        Notification.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(minutes=10)
        )
        Notification.objects.filter(pk=older_but_sent.pk).update(
            created_at=timezone.now() - timedelta(days=3)
        )
    age = value(scrape(), "civicideas_notification_outbox_oldest_pending_age_seconds")
    assert 600 <= age < 700


@pytest.mark.django_db
def test_queue_lengths_come_from_the_broker(metrics_token, settings):
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = "celery"
    client.delete(queue, f"{queue}\x06\x163")
    try:
        client.rpush(queue, "m1", "m2")
        client.rpush(f"{queue}\x06\x163", "m3")  # a priority-3 message
        response = scrape()
        assert value(response, "civicideas_celery_queue_length", queue=queue) == 3
        assert value(response, "civicideas_metrics_source_up", source="broker") == 1
    finally:
        client.delete(queue, f"{queue}\x06\x163")
        client.close()


@pytest.mark.django_db
def test_a_dead_broker_does_not_fail_the_scrape(metrics_token, settings, closed_port):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    response = scrape()
    assert response.status_code == 200
    assert value(response, "civicideas_metrics_source_up", source="broker") == 0
    assert "civicideas_notification_outbox_pending" in response.content.decode()


@pytest.mark.django_db
def test_page_cache_hits_and_misses_are_counted(metrics_token, city, settings):
    settings.PAGE_CACHE_SECONDS = 60

    def count(response, result: str) -> float:
        return samples(response).get(
            ("civicideas_page_cache_requests_total", (("result", result),)), 0.0
        )

    before = scrape()
    Client().get("/", HTTP_HOST=host_of(city))
    Client().get("/", HTTP_HOST=host_of(city))
    after = scrape()
    assert count(after, "miss") - count(before, "miss") == 1
    assert count(after, "hit") - count(before, "hit") == 1


def test_deliveries_are_counted_by_outcome():
    from civicideas.notifications.delivery import Outcome, count_outcome

    def current(outcome: str) -> float:
        return metrics.DELIVERIES.labels(outcome=outcome)._value.get()

    sent, failed = current("sent"), current("failed")
    count_outcome(Outcome(sent=3, failed=1))
    assert current("sent") - sent == 3
    assert current("failed") - failed == 1


def test_the_gunicorn_config_empties_the_directory_and_marks_dead_workers(tmp_path, monkeypatch):
    """deploy/gunicorn.conf.py empties the directory at start and calls
    mark_process_dead (which drops live gauges) when a worker exits."""
    import runpy

    config = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))
    directory = tmp_path / "prom"
    directory.mkdir()
    (directory / "counter_12345.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    config["on_starting"](None)
    assert list(directory.iterdir()) == []
    (directory / "gauge_livesum_12345.db").write_bytes(b"")

    class Worker:
        pid = 12345

    config["child_exit"](None, Worker())
    assert not (directory / "gauge_livesum_12345.db").exists()
