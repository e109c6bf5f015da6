"""Celery on several hosts: queues by kind of work, a visibility timeout above
every task's time limit, and beat that may run twice without sending twice.

The beat test starts two real `celery beat` processes against the test Redis;
each message beat publishes names its sender in the `origin` header
(`gen<pid>@host`), so the test can tell which beat sent what."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from civicideas.celery import app

ROOT = Path(__file__).resolve().parents[2]
PREFIX = settings.CACHES["default"]["KEY_PREFIX"]
QUEUE = f"{PREFIX}-beat-test"
BEAT_PREFIX = f"{PREFIX}:beat-test:"


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("notifications.deliver", "notifications"),
        ("notifications.fan_out", "notifications"),
        ("notifications.sweep", "periodic"),
        ("notifications.digests", "periodic"),
        ("evaluation.due_reminders", "periodic"),
        ("sponsors.nightly_recompute", "periodic"),
        ("civicideas.ops.tasks.clear_expired_sessions", "periodic"),
        ("sponsors.recompute_initiative_matches", "matching"),
        ("ideas.reindex_idea", "celery"),
    ],
)
def test_each_kind_of_work_has_its_queue(task_name, queue):
    assert queue_of(task_name) == queue


def test_every_task_goes_to_a_queue_that_a_plain_worker_consumes():
    """A worker started without -Q consumes `task_queues`; no task may be
    routed anywhere else, or it would wait forever."""
    consumed = {queue.name for queue in app.conf.task_queues}
    app.loader.import_default_modules()
    names = [name for name in app.tasks if not name.startswith("celery.")]
    assert names
    assert {queue_of(name) for name in names} <= consumed


def test_every_beat_entry_fans_out_from_the_periodic_queue():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert queue_of(entry["task"]) == "periodic", entry


def test_a_task_is_stopped_before_its_message_would_be_handed_out_again():
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit < timeout


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def clean() -> None:
        client.delete(QUEUE)
        for key in client.scan_iter(f"{BEAT_PREFIX}*"):
            client.delete(key)

    clean()
    yield client
    clean()
    client.close()


def start_beat() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ops.beat_settings",
        "BEAT_TEST_QUEUE": QUEUE,
        "BEAT_TEST_PREFIX": BEAT_PREFIX,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "civicideas", "beat", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def senders(broker: redis.Redis) -> list[str]:
    """The origin (`gen<pid>@host`) of each message waiting, oldest first."""
    raw = broker.lrange(QUEUE, 0, -1)
    return [json.loads(message)["headers"]["origin"] for message in reversed(raw)]


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.mark.slow
def test_two_beats_send_each_tick_once_and_the_second_takes_over(broker):
    first = start_beat()
    second = None
    try:
        assert wait_for(lambda: broker.llen(QUEUE) >= 1, 20), "the first beat sent nothing"
        second = start_beat()
        # Both run for a while: every tick still comes from one process.
        time.sleep(4)
        before_kill = senders(broker)
        assert len(before_kill) >= 3
        assert len(set(before_kill)) == 1, before_kill
        assert str(first.pid) in before_kill[0]

        # The sender dies without releasing its lock: the stand-by beat takes
        # over once the lock expires (3 s here), and only it sends from then on.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert wait_for(lambda: str(second.pid) in senders(broker)[-1], 15), (
            "the second beat did not take over"
        )
        after = senders(broker)[len(before_kill) :]
        taken_over = [origin for origin in after if str(second.pid) in origin]
        assert taken_over
        assert all(str(first.pid) in o or str(second.pid) in o for o in after)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
