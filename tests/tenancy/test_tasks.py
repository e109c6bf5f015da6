"""``city_task`` in a real Celery worker, consuming from the real (test) Redis.

The worker runs in a thread of this process (``start_worker``), so it shares
Django's settings with the test and connects to the test database, but with
its own per-thread connection: the data the tasks read must be committed,
hence ``transaction=True``. Row-level security is checked through raw SQL in
the task, which the ORM scope cannot help with.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from civicideas.celery import app
from civicideas.tenancy.context import current_city
from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role
from civicideas.tenancy.tasks import UnknownCity, city_task
from tests.conftest import make_member

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = app.conf.task_default_queue


@city_task(name="tests.tenancy.report_city")
def report_city() -> dict[str, Any]:
    """What the task sees: its city, its database, and tenant rows through raw SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_database(), count(*), coalesce(array_agg(DISTINCT city_id), '{}') "
            "FROM tenancy_membership"
        )
        database, visible, city_ids = cursor.fetchone()
    return {
        "slug": current_city().slug,
        "database": database,
        "visible": visible,
        "city_ids": city_ids,
    }


@city_task(name="tests.tenancy.reach_into")
def reach_into(other_city_id: int) -> dict[str, int]:
    """Try every way of reading or changing another city's rows from inside a task."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tenancy_membership WHERE city_id = %s", [other_city_id]
        )
        (raw_select,) = cursor.fetchone()
        cursor.execute(
            "UPDATE tenancy_membership SET roles = ARRAY['city_admin'] WHERE city_id = %s",
            [other_city_id],
        )
        raw_update = cursor.rowcount
    return {
        "raw_select": raw_select,
        "raw_update": raw_update,
        "orm_filter": Membership.objects.filter(city_id=other_city_id).count(),
    }


def _broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _purge() -> None:
    """Drop anything queued, so no run picks up another run's leftovers."""
    app.control.purge()
    _broker().delete("unacked", "unacked_index")


@pytest.fixture(scope="module")
def worker(django_db_blocker) -> Iterator[Any]:
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL  # the test Redis database
    _purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as w:
        yield w
    _purge()


def run(task, *args: Any, timeout: float = 20) -> Any:
    """Queue through Redis, wait for the worker, and leave no result behind."""
    result = task.delay(*args)
    try:
        return result.get(timeout=timeout)
    finally:
        result.forget()


def _wait_until(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def two_cities(city, other_city):
    make_member(city, Role.MODERATOR, email="mod@riverton.example")
    make_member(city, Role.CITIZEN, email="citizen@riverton.example")
    make_member(other_city, Role.MODERATOR, email="mod@lakeside.example")
    return city, other_city


def test_app_is_configured_for_redis_json_and_late_acks():
    conf = app.conf
    assert conf.broker_url == settings.REDIS_URL
    assert conf.task_always_eager is False
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert conf.accept_content == ["json"]
    assert "clear-expired-sessions" in conf.beat_schedule


def test_task_signature_starts_with_the_city_id():
    # Celery checks .delay() arguments against the wrapper, not the wrapped body.
    with pytest.raises(TypeError):
        report_city.delay()


def test_each_task_runs_in_its_own_city(worker, two_cities):
    riverton, lakeside = two_cities

    seen_by_riverton = run(report_city, riverton.pk)
    seen_by_lakeside = run(report_city, lakeside.pk)

    assert seen_by_riverton["slug"] == "riverton"
    assert (seen_by_riverton["visible"], seen_by_riverton["city_ids"]) == (2, [riverton.pk])
    assert seen_by_lakeside["slug"] == "lakeside"
    assert (seen_by_lakeside["visible"], seen_by_lakeside["city_ids"]) == (1, [lakeside.pk])


def test_worker_uses_the_test_database_and_closes_its_connection(worker, two_cities):
    riverton, _ = two_cities
    test_database = connection.settings_dict["NAME"]
    assert test_database.startswith("test_")

    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        started = cursor.fetchone()[0]

    assert run(report_city, riverton.pk)["database"] == test_database

    def other_connections() -> int:
        # Only connections opened since this test started: threads of earlier
        # tests (live server, concurrency tests) are not the worker's.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_start >= %s",
                [started],
            )
            return cursor.fetchone()[0]

    # Django's Celery fix-up closes the worker thread's connection after each
    # task; a leaked one would keep the test database from being dropped.
    assert _wait_until(lambda: other_connections() == 0)


def test_task_body_cannot_see_or_touch_another_city(worker, two_cities):
    riverton, lakeside = two_cities

    assert run(reach_into, riverton.pk, lakeside.pk) == {
        "raw_select": 0,
        "raw_update": 0,
        "orm_filter": 0,
    }
    # Control: the same task in lakeside's own context does see its rows.
    assert run(reach_into, lakeside.pk, lakeside.pk)["raw_select"] == 1


def test_unknown_city_fails_cleanly_and_is_not_redelivered(worker, two_cities):
    riverton, _ = two_cities

    with pytest.raises(UnknownCity, match="No city with id 987654"):
        run(report_city, 987654)

    # The failure was acknowledged (not left for redelivery) and the worker
    # goes on serving other cities.
    broker = _broker()
    assert _wait_until(lambda: broker.llen(QUEUE) == 0 and broker.hlen("unacked") == 0)
    assert run(report_city, riverton.pk)["slug"] == "riverton"
