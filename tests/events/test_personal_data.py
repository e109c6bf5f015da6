"""Registrations in the data export, and erasure: the person's places go to
the waiting list (the next person is told) before the rows are deleted;
attendance marks the person made as staff point at a placeholder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicideas.accounts.erasure import erase_person
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from events import services
from events.models import Registration
from events.personal_data import CONTRIBUTOR
from tests.conftest import make_member
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
R = Registration.Status


def test_export_lists_every_registration(city, other_city):
    person = make_member(city)
    with city_context(other_city):
        RegistrationFactory(user=person, event=EventFactory(title="Elsewhere"))
    with city_context(city):
        event = EventFactory(title="Workshop A")
        services.event_register(event=event, user=person)
        [records] = list(CONTRIBUTOR.export(person))
        rows = list(records.rows)
    assert records.name == "event_registrations"
    assert [(r["event"], r["status"]) for r in rows] == [("Workshop A", "registered")]
    assert rows[0]["starts_at"] == event.starts_at.isoformat()


def test_erasure_gives_the_place_to_the_waiting_list(city):
    leaving, waiting = make_member(city), make_member(city)
    staff = make_member(city, Role.MODERATOR)
    with city_context(city):
        event = EventFactory(capacity=1)
        services.event_register(event=event, user=leaving)
        services.event_register(event=event, user=waiting, waitlist=True)
        past = EventFactory(starts_at=timezone.now() - timedelta(hours=2))
        marked = RegistrationFactory(event=past)
        services.attendance_mark(registration=marked, attended=True, by=staff)
    erase_person(user=leaving, delete_contributions=False)
    erase_person(user=staff, delete_contributions=False)
    with city_context(city):
        assert not Registration.objects.filter(user_id=leaving.pk).exists()
        assert Registration.objects.get(user=waiting).status == R.REGISTERED
        assert Notification.objects.filter(
            kind="event_place_freed", recipient_id=waiting.pk
        ).exists()
        kept = Registration.objects.get(pk=marked.pk)
        assert kept.attended is True
        assert kept.attendance_marked_by_id not in (None, staff.pk)
