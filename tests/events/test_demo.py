"""The events demo data: per city an upcoming workshop with registrations
and a waiting list, and a past workshop with attendance marked; idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from events.models import Event, Registration

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_events_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    for city in City.objects.all():
        with city_context(city):
            assert Event.objects.count() == 4
            assert Event.objects.filter(status=Event.Status.CANCELLED).count() == 1
            upcoming = Event.objects.filter(starts_at__gt=timezone.now(), capacity__isnull=False)
            workshop = upcoming.get()
            statuses = set(workshop.registrations.values_list("status", flat=True))
            # One place was freed: the first waiting moved up, one still waits.
            assert statuses == {
                Registration.Status.REGISTERED,
                Registration.Status.WAITLISTED,
                Registration.Status.CANCELLED,
            }
            past = Event.objects.get(ends_at__lt=timezone.now())
            marks = set(past.registrations.values_list("attended", flat=True))
            assert marks == {True, False}
            # Translated into the city's other languages.
            assert set(workshop.translations) == set(city.languages) - {city.default_language}
            # Places are plain text in the city's own language, not English everywhere.
            expected = {"en": "Town hall, room 2", "fr": "Hôtel de ville, salle 2"}
            expected["nl"] = "Stadhuis, zaal 2"
            assert workshop.place_name == expected[city.default_language]
