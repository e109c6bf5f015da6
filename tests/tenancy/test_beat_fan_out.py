"""``for_each_active_city``: the one fan-out of the beat tasks queues each
active city's own run, in id order, and skips deactivated cities."""

from __future__ import annotations

from typing import Any

import pytest

from civicideas.notifications import tasks as notification_tasks
from civicideas.notifications.models import Channel
from civicideas.tenancy.tasks import for_each_active_city
from evaluation import tasks as evaluation_tasks
from ideas import tasks as ideas_tasks
from sponsors import tasks as sponsor_tasks
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


class Recorder:
    """Stands in for a city task's ``delay`` (no broker needed to see what
    would be queued)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def delay(self, *args: Any) -> None:
        self.calls.append(args)


@pytest.fixture
def cities():
    active = [CityFactory(slug="beat-a"), CityFactory(slug="beat-b")]
    CityFactory(slug="beat-off", is_active=False)
    return sorted(c.pk for c in active)


def test_queues_every_active_city_once_in_id_order_with_the_arguments(cities):
    task = Recorder()
    assert for_each_active_city(task, "daily", "2026-12-03") == 2 + _others(cities)
    queued = [call for call in task.calls if call[0] in cities]
    assert queued == [(pk, "daily", "2026-12-03") for pk in cities]
    assert [call[0] for call in task.calls] == sorted(call[0] for call in task.calls)


def test_a_deactivated_city_is_not_queued(cities):
    task = Recorder()
    for_each_active_city(task)
    off = CityFactory(slug="beat-off").pk
    assert off not in [call[0] for call in task.calls]


@pytest.mark.parametrize(
    ("beat", "city_task"),
    [
        (evaluation_tasks.due_reminders, evaluation_tasks.due_reminders_city),
        (sponsor_tasks.nightly_recompute, sponsor_tasks.recompute_city_matches),
        (notification_tasks.sweep, notification_tasks.sweep_city),
        (ideas_tasks.invitations_sweep_all, ideas_tasks.invitations_sweep_city),
    ],
)
def test_each_beat_task_fans_out_through_it(monkeypatch, cities, beat, city_task):
    task = Recorder()
    monkeypatch.setattr(city_task, "delay", task.delay)
    assert beat() == 2 + _others(cities)
    assert [call for call in task.calls if call[0] in cities] == [(pk,) for pk in cities]


def test_digests_fan_out_once_per_period_and_city(monkeypatch, cities):
    task = Recorder()
    monkeypatch.setattr(notification_tasks.digest_city, "delay", task.delay)
    notification_tasks.send_digests()
    mine = [call[:2] for call in task.calls if call[0] in cities]
    assert mine == [(pk, str(Channel.DAILY)) for pk in cities] + [
        (pk, str(Channel.WEEKLY)) for pk in cities
    ]


def _others(cities: list[int]) -> int:
    """Active cities other tests' fixtures may have left (none, normally)."""
    from civicideas.tenancy.models import City

    return City.objects.active().exclude(pk__in=cities).count()
