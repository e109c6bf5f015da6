"""Celery tasks log their id, name, city and duration, and carry the id of
the request that queued them: through the real broker (Redis) into the
message headers, and from the headers into the task's log lines."""

from __future__ import annotations

import json
import logging

import pytest
import redis
from django.conf import settings

from civicideas.notifications.tasks import sweep_city
from civicideas.ops import logs
from civicideas.ops.metrics import TASK_DURATION
from civicideas.tenancy.context import city_context
from civicideas.tenancy.tasks import city_task
from tests.ops.logcapture import captured_logs

QUEUE = f"{settings.CACHES['default']['KEY_PREFIX']}-task-log-test"


@city_task(name="tests.ops.log_inside_city")
def log_inside_city() -> None:
    logging.getLogger("civicideas.test").info("working")


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)
    client.close()


def published_headers(broker) -> dict:
    raw = broker.lpop(QUEUE)
    assert raw is not None, "nothing was published"
    return json.loads(raw)["headers"]


@pytest.mark.django_db
def test_a_task_queued_during_a_request_carries_its_request_id(broker, city):
    token = logs.enter_context(logs.LogContext(request_id="req-7f3a"))
    try:
        sweep_city.apply_async(args=[city.pk], queue=QUEUE)
    finally:
        logs.leave_context(token)
    assert published_headers(broker)["request_id"] == "req-7f3a"


@pytest.mark.django_db
def test_a_task_queued_outside_any_request_has_no_request_id(broker, city):
    sweep_city.apply_async(args=[city.pk], queue=QUEUE)
    assert "request_id" not in published_headers(broker)


@pytest.mark.django_db
def test_the_task_line_has_id_name_city_request_id_and_duration(city):
    count = TASK_DURATION.labels(task="tests.ops.log_inside_city", state="SUCCESS")
    before = count._sum.get(), sum(b.get() for b in count._buckets)
    with captured_logs("civicideas.task", "civicideas.test") as captured:
        result = log_inside_city.apply(
            args=[city.pk], headers={"request_id": "req-from-web"}, throw=True
        )
    inside, finished = captured.lines()
    assert inside["message"] == "working"
    assert finished["logger"] == "civicideas.task"
    for line in (inside, finished):
        assert line["task_id"] == result.id
        assert line["task"] == "tests.ops.log_inside_city"
        assert line["city"] == "riverton"
        assert line["request_id"] == "req-from-web"
    assert finished["state"] == "SUCCESS"
    assert finished["duration_ms"] >= 0
    assert sum(b.get() for b in count._buckets) == before[1] + 1
    # The context is left after the task: later lines are not attributed to it.
    assert logs.current_context() is None


@pytest.mark.django_db
def test_a_failing_task_is_logged_with_its_state(city):
    with captured_logs("civicideas.task") as captured:
        log_inside_city.apply(args=[987654], headers={"request_id": "req-x"})  # no such city
    (line,) = captured.lines()
    assert line["state"] == "FAILURE"
    assert line["request_id"] == "req-x"
    assert "city" not in line


@pytest.mark.django_db
def test_request_id_survives_the_round_trip_through_the_broker(broker, city):
    """Publish for real, take the message off Redis, run it with its headers."""
    token = logs.enter_context(logs.LogContext(request_id="round-trip-1"))
    try:
        sweep_city.apply_async(args=[city.pk], queue=QUEUE)
    finally:
        logs.leave_context(token)
    headers = published_headers(broker)
    with city_context(city), captured_logs("civicideas.task") as captured:
        sweep_city.apply(args=[city.pk], headers=headers, throw=True)
    (line,) = captured.lines()
    assert line["request_id"] == "round-trip-1"
    assert line["city"] == "riverton"


def test_a_worker_serves_its_own_metrics_on_its_port(closed_port):
    """CELERY_METRICS_PORT: the worker's counters on a port of its own."""
    import urllib.request

    from civicideas.ops.metrics import start_worker_exporter

    TASK_DURATION.labels(task="tests.ops.exported", state="SUCCESS").observe(0.2)
    server = start_worker_exporter(closed_port)
    try:
        url = f"http://127.0.0.1:{closed_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert (
        'civicideas_celery_task_duration_seconds_count{state="SUCCESS",task="tests.ops.exported"}'
        in body
    )


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_on_commit_of_a_request_carries_its_request_id(broker, city, rf):
    """The project queues tasks with ``transaction.on_commit``; the request's
    transaction commits inside ``RequestLogMiddleware`` (the city middleware
    is further in), so the message still gets the request id."""
    from django.db import transaction
    from django.http import HttpResponse

    from civicideas.ops.request_log import RequestLogMiddleware

    city_id = city.pk

    def view(request):
        with transaction.atomic():
            transaction.on_commit(lambda: sweep_city.apply_async(args=[city_id], queue=QUEUE))
        return HttpResponse("ok")

    response = RequestLogMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="commit-req-1"))
    assert response["X-Request-ID"] == "commit-req-1"
    assert published_headers(broker)["request_id"] == "commit-req-1"
