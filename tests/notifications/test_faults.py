"""Hostile faults with a real Redis and real Celery workers.

Each test module run starts its own ``redis-server`` on a free port (no
persistence; ``tests.faults.PrivateRedis``) and points the Celery app at it,
so the tests can stop and start the broker at will without touching the
shared test Redis. Workers
run in a thread of this process (``start_worker``: shares settings and the
locmem outbox) or, to be killed, as a separate ``celery worker`` process
whose emails go to a file.
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from civicideas.celery import app
from civicideas.notifications import tasks
from civicideas.notifications.models import Notification
from civicideas.tenancy.context import city_context
from ideas.models import Idea
from tests.conftest import client_for, make_member
from tests.faults import PrivateRedis, wait_until
from tests.ideas.factories import ChallengeFactory
from tests.notifications.backends import ScriptedBackend, sent_lines
from tests.notifications.conftest import add_notification, reload

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
State = Notification.State


def _point_app_at(url: str) -> None:
    """Repoint the Celery app's producer at another broker (as after a fork)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(scope="module")
def broker() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    previous_url, previous_options = (
        app.conf.broker_url,
        dict(app.conf.broker_transport_options or {}),
    )
    app.conf.broker_transport_options = {
        **previous_options,
        "visibility_timeout": 3,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    _point_app_at(server.url)
    try:
        yield server
    finally:
        app.conf.broker_transport_options = previous_options
        _point_app_at(previous_url)
        server.stop()


@pytest.fixture
def running_broker(broker) -> PrivateRedis:
    if broker.process is None:
        broker.start()
    redis.Redis.from_url(broker.url).flushall()
    return broker


@pytest.fixture
def thread_worker(running_broker, settings):
    settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS = 0
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


def _state(city, notification) -> str:
    return reload(city, notification).state


def test_broker_outage_delays_but_never_loses_a_notification(city, running_broker, settings):
    settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS = 0
    citizen = make_member(city, email="ana@example.org")
    with city_context(city):
        ChallengeFactory(slug="green")
    client = client_for(citizen, city)

    running_broker.stop()
    started = time.monotonic()
    response = client.post(
        reverse("ideas:submit", args=["green"]),
        {
            "title": "Benches by the river",
            "body": "Add benches.",
            "language": "en",
            "submission_token": str(uuid.uuid4()),
            "submit": "1",
        },
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < 5, f"the request hung {elapsed:.1f}s on the dead broker"
    with city_context(city):
        idea = Idea.objects.get()
        notification = Notification.objects.get(recipient=citizen)
    assert idea.author == citizen
    assert notification.state == State.PENDING
    assert mail.outbox == []

    running_broker.start()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        tasks.sweep.delay()
        assert wait_until(lambda: _state(city, notification) == State.SENT)
        # Later sweeps (and a duplicate message) find nothing left to send.
        tasks.sweep.delay()
        tasks.deliver_notifications.delay(city.pk, [notification.pk])
        time.sleep(1.5)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]


def test_temporary_smtp_errors_twice_then_one_email(city, thread_worker, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.backends.ScriptedBackend"}}
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0.2
    ScriptedBackend.script = [
        smtplib.SMTPServerDisconnected("connection lost"),
        smtplib.SMTPResponseException(421, b"4.7.0 try again later"),
    ]
    person = make_member(city, email="ana@example.org")
    notification = add_notification(city, person)

    tasks.enqueue(city.pk, [notification.pk])

    assert wait_until(lambda: _state(city, notification) == State.SENT)
    row = reload(city, notification)
    assert row.attempts == 3
    assert len(mail.outbox) == 1
    ScriptedBackend.script = []


def test_permanent_smtp_error_fails_and_shows_in_the_admin(city, thread_worker, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.backends.ScriptedBackend"}}
    ScriptedBackend.script = [smtplib.SMTPDataError(554, b"5.7.1 message rejected")]
    admin = make_member(city, "city_admin", email="admin@riverton.example")
    notification = add_notification(city, make_member(city, email="ana@example.org"))

    tasks.enqueue(city.pk, [notification.pk])

    assert wait_until(lambda: _state(city, notification) == State.FAILED)
    assert "5.7.1 message rejected" in reload(city, notification).last_error
    assert mail.outbox == []
    page = client_for(admin, city).get(
        reverse("admin:notifications_notification_changelist"), {"state": "failed"}
    )
    assert "5.7.1 message rejected" in page.content.decode()


def test_task_for_city_a_with_city_b_notification_sends_nothing(city, other_city, thread_worker):
    theirs = add_notification(other_city, make_member(other_city, email="b@example.org"))
    mine = add_notification(city, make_member(city, email="a@example.org"))

    tasks.deliver_notifications.delay(city.pk, [theirs.pk, mine.pk])

    assert wait_until(lambda: _state(city, mine) == State.SENT)
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert _state(other_city, theirs) == State.PENDING


def _worker_process(broker_url: str, mail_file: Path) -> subprocess.Popen:
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": database_url,
        "NOTIFICATIONS_TEST_BROKER": broker_url,
        "NOTIFICATIONS_TEST_MAIL_FILE": str(mail_file),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "civicideas",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_worker_killed_mid_delivery_sends_once_after_redelivery(city, running_broker, tmp_path):
    assert (
        django_settings.CELERY_TASK_ACKS_LATE and django_settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    )
    mail_file = tmp_path / "mail.jsonl"
    block = Path(f"{mail_file}.block")
    started = Path(f"{mail_file}.started")
    notification = add_notification(city, make_member(city, email="ana@example.org"))
    block.touch()

    first = _worker_process(running_broker.url, mail_file)
    second = None
    try:
        tasks.deliver_notifications.delay(city.pk, [notification.pk])
        assert wait_until(started.exists, 60), "the worker never started delivering"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        block.unlink()
        assert sent_lines(mail_file) == []
        assert _state(city, notification) == State.PENDING

        second = _worker_process(running_broker.url, mail_file)
        assert wait_until(lambda: _state(city, notification) == State.SENT, 60)
        time.sleep(4)  # past the visibility timeout: nothing is redelivered again
        assert [line["to"] for line in sent_lines(mail_file)] == [["ana@example.org"]]
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
