"""Two people taking the last place at the same moment, with real
connections in threads: one gets it, the other is told it is full."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from civicideas.errors import Conflict, ServiceError
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from events import services
from events.models import Registration
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(city, calls):
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=10)
            with city_context(city):
                return call()
        except ServiceError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_registrations_for_the_last_place_fill_it_once(city, member_factory):
    a, b = (member_factory(city, Role.CITIZEN) for _ in range(2))
    with city_context(city):
        event = EventFactory(capacity=1)
    results = _race(
        city, [lambda u=u: services.event_register(event=event, user=u) for u in (a, b)]
    )
    errors = [r for r in results if isinstance(r, ServiceError)]
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    with city_context(city):
        assert Registration.objects.filter(status="registered").count() == 1


def test_the_same_person_posting_twice_at_once_registers_once(city, member_factory):
    a = member_factory(city, Role.CITIZEN)
    with city_context(city):
        event = EventFactory(capacity=None)
    results = _race(city, [lambda: services.event_register(event=event, user=a) for _ in range(2)])
    assert sum(isinstance(r, Conflict) for r in results) == 1
    with city_context(city):
        assert Registration.objects.count() == 1


def test_a_cancel_and_a_waitlist_join_at_once_leave_nobody_stranded(city, member_factory):
    a, b = (member_factory(city, Role.CITIZEN) for _ in range(2))
    with city_context(city):
        event = EventFactory(capacity=1)
        first = services.event_register(event=event, user=a)
    _race(
        city,
        [
            lambda: services.registration_cancel(registration=first, by=a),
            lambda: services.event_register(event=event, user=b, waitlist=True),
        ],
    )
    with city_context(city):
        # Whichever came first, b ends up with the freed place.
        assert Registration.objects.get(user=b).status == "registered"
