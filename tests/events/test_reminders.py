"""The day-before reminder: once per registration, whatever how often or
how concurrently the beat runs; never for waiting, cancelled or far-off."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from civicideas.notifications.kinds import KINDS
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from events import tasks
from events.models import Event, Registration
from events.reminders import reminders_send
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
R = Registration.Status


def test_reminds_once_only_people_with_a_place_at_tomorrows_published_events(city):
    with city_context(city):
        tomorrow = EventFactory(starts_at=timezone.now() + timedelta(hours=20))
        far = EventFactory(starts_at=timezone.now() + timedelta(days=5))
        off = EventFactory(
            starts_at=timezone.now() + timedelta(hours=5), status=Event.Status.CANCELLED
        )
        going = RegistrationFactory(event=tomorrow)
        RegistrationFactory(event=tomorrow, status=R.WAITLISTED)
        RegistrationFactory(event=tomorrow, status=R.CANCELLED)
        RegistrationFactory(event=far)
        RegistrationFactory(event=off)
        assert reminders_send() == 1
        assert reminders_send() == 0
        [notice] = Notification.objects.filter(kind="event_reminder")
        assert notice.recipient_id == going.user_id
        assert notice.payload["event"] == tomorrow.pk
        assert notice.payload["when"].endswith(("CET", "CEST"))
        text = KINDS["event_reminder"].text(notice.payload)
        assert text == (
            f"Reminder: “{tomorrow.title}” starts {notice.payload['when']} at Town hall."
        )
        going.refresh_from_db()
        assert going.reminded_at is not None
        # Promoted later, inside the window: reminded by the next run, once.
        late = RegistrationFactory(event=tomorrow)
        assert reminders_send() == 1
        assert Notification.objects.filter(recipient_id=late.user_id).count() == 1


def test_beat_fans_out_per_active_city(city, other_city):
    with mock.patch.object(tasks.reminders_city, "delay") as delay:
        assert tasks.reminders() == 2
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted([city.pk, other_city.pk])


def test_city_task_runs_in_its_city(city, other_city):
    with city_context(other_city):
        RegistrationFactory(event=EventFactory(starts_at=timezone.now() + timedelta(hours=2)))
    with city_context(city):
        RegistrationFactory(event=EventFactory(starts_at=timezone.now() + timedelta(hours=2)))
    assert tasks.reminders_city.run(city.pk) == 1
    assert tasks.reminders_city.run(city.pk) == 0
    assert tasks.reminders_city.run(other_city.pk) == 1
