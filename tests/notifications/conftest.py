"""Helpers for the notification tests: rows written straight into a city's
outbox, delivery run as a task body would run it, and a queue that records
what would be published."""

from __future__ import annotations

from typing import Any

import pytest

from civicideas.notifications import tasks
from civicideas.notifications.delivery import deliver
from civicideas.notifications.models import Notification
from civicideas.tenancy.context import city_context


def add_notification(city, recipient, kind: str = "idea_published", **fields: Any) -> Notification:
    fields.setdefault("payload", {"title": "Benches by the river", "idea": 1})
    with city_context(city):
        return Notification.objects.create(city=city, recipient=recipient, kind=kind, **fields)


def deliver_in(city, ids):
    with city_context(city):
        return deliver(list(ids))


def reload(city, notification: Notification) -> Notification:
    with city_context(city):
        return Notification.objects.get(pk=notification.pk)


class Published:
    """What would have gone to the broker: (task name, args, options)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def names(self) -> list[str]:
        return [name for name, _args, _options in self.calls]


@pytest.fixture
def published(monkeypatch) -> Published:
    record = Published()
    for task in (
        tasks.deliver_notifications,
        tasks.fan_out_notifications,
        tasks.sweep_city,
        tasks.digest_city,
        tasks.digest_batch,
    ):

        def fake_apply_async(args=None, kwargs=None, _name=task.name, **options):
            record.calls.append((_name, tuple(args or ()), options))

        monkeypatch.setattr(task, "apply_async", fake_apply_async)
    return record
