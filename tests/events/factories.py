"""Factories for events and registrations. Use inside ``city_context(city)``;
rows are written directly (the services are tested on their own)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from civicideas.tenancy.context import current_city
from events.models import Event, Registration
from tests.factories import UserFactory


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    city = factory.LazyFunction(current_city)
    title = factory.Sequence(lambda n: f"Workshop {n}")
    description = "Bring your ideas."
    kind = Event.Kind.WORKSHOP
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    place_name = "Town hall"
    address = "Market Square 1"
    capacity = None


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    city = factory.LazyFunction(current_city)
    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = Registration.Status.REGISTERED
