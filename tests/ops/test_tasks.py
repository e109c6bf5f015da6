"""Platform-wide periodic tasks (not tied to a city)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from civicideas.celery import app
from civicideas.ops.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def test_clear_expired_sessions_keeps_live_ones():
    live = SessionStore()
    live["x"] = 1
    live.create()
    expired = SessionStore()
    expired["x"] = 2
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )

    clear_expired_sessions.apply().get()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry
