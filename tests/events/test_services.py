"""Registering, the waiting list moving up, cancelling, attendance and
cancelling an event: the rules of ``events.services``."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from civicideas.errors import Conflict, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from events import services
from events.models import Registration
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

R = Registration.Status
pytestmark = pytest.mark.django_db


def _citizen(member_factory, city):
    return member_factory(city, Role.CITIZEN)


def test_registers_while_places_are_left_then_refuses_or_waitlists(city, member_factory):
    people = [_citizen(member_factory, city) for _ in range(4)]
    with city_context(city):
        event = EventFactory(capacity=2)
        assert services.event_register(event=event, user=people[0]).status == R.REGISTERED
        assert services.event_register(event=event, user=people[1]).status == R.REGISTERED
        with pytest.raises(Conflict) as full:
            services.event_register(event=event, user=people[2])
        assert full.value.code == "full"
        waiting = services.event_register(event=event, user=people[2], waitlist=True)
        assert waiting.status == R.WAITLISTED
        # A place on the list is asked for explicitly, but a free place is taken.
        assert (
            services.event_register(event=EventFactory(), user=people[3], waitlist=True).status
            == R.REGISTERED
        )


def test_unlimited_capacity_never_waitlists(city, member_factory):
    with city_context(city):
        event = EventFactory(capacity=None)
        for _ in range(5):
            assert (
                services.event_register(event=event, user=_citizen(member_factory, city)).status
                == R.REGISTERED
            )


def test_cancelling_a_place_moves_the_first_waiting_person_up_and_tells_them(city, member_factory):
    a, b, c = (_citizen(member_factory, city) for _ in range(3))
    with city_context(city):
        event = EventFactory(capacity=1)
        first = services.event_register(event=event, user=a)
        second = services.event_register(event=event, user=b, waitlist=True)
        third = services.event_register(event=event, user=c, waitlist=True)
        services.registration_cancel(registration=first, by=a)
        second.refresh_from_db()
        third.refresh_from_db()
        assert second.status == R.REGISTERED and second.promoted_at is not None
        assert third.status == R.WAITLISTED
        told = Notification.objects.filter(kind="event_place_freed")
        assert list(told.values_list("recipient_id", flat=True)) == [b.pk]
        assert told.get().payload["title"] == event.title


def test_leaving_the_waiting_list_promotes_nobody(city, member_factory):
    a, b = (_citizen(member_factory, city) for _ in range(2))
    with city_context(city):
        event = EventFactory(capacity=1)
        services.event_register(event=event, user=a)
        waiting = services.event_register(event=event, user=b, waitlist=True)
        services.registration_cancel(registration=waiting, by=b)
        assert not Notification.objects.filter(kind="event_place_freed").exists()
        assert Registration.objects.filter(status=R.REGISTERED).count() == 1


def test_registering_again_after_cancelling_queues_at_the_end(city, member_factory):
    a, b, c = (_citizen(member_factory, city) for _ in range(3))
    with city_context(city):
        event = EventFactory(capacity=1)
        services.event_register(event=event, user=a)
        mine = services.event_register(event=event, user=b, waitlist=True)
        services.event_register(event=event, user=c, waitlist=True)
        services.registration_cancel(registration=mine, by=b)
        again = services.event_register(event=event, user=b, waitlist=True)
        order = list(
            Registration.objects.waitlist().filter(event=event).values_list("user_id", flat=True)
        )
        assert order == [c.pk, b.pk]
        assert again.pk != mine.pk


def test_raising_the_capacity_fills_the_new_places(city, member_factory):
    people = [_citizen(member_factory, city) for _ in range(4)]
    with city_context(city):
        event = EventFactory(capacity=1)
        services.event_register(event=event, user=people[0])
        for person in people[1:]:
            services.event_register(event=event, user=person, waitlist=True)
        event.capacity = 3
        event.save()
        promoted = services.event_fill_places(event=event)
        assert [r.user_id for r in promoted] == [people[1].pk, people[2].pk]


@pytest.mark.parametrize("state", ["twice", "cancelled", "started", "past"])
def test_refusals(city, member_factory, state):
    person = _citizen(member_factory, city)
    staff = member_factory(city, Role.MODERATOR)
    with city_context(city):
        event = EventFactory()
        if state == "twice":
            services.event_register(event=event, user=person)
        elif state == "cancelled":
            services.event_cancel(event=event, by=staff)
        elif state == "started":
            event.starts_at = timezone.now() - timedelta(minutes=5)
            event.save()
        else:
            event.starts_at = timezone.now() - timedelta(days=2)
            event.ends_at = event.starts_at + timedelta(hours=1)
            event.save()
        before = Registration.objects.count()
        with pytest.raises((Conflict, NotAllowed)):
            services.event_register(event=event, user=person)
        assert Registration.objects.count() == before


def test_anonymous_and_unverified_people_cannot_register(city, member_factory):
    from django.contrib.auth.models import AnonymousUser

    with city_context(city):
        event = EventFactory()
        unverified = UserFactory(verified=False)
        for user in (AnonymousUser(), None, unverified):
            with pytest.raises(NotAllowed):
                services.event_register(event=event, user=user)
        assert not Registration.objects.exists()


def test_registering_makes_one_a_citizen_of_the_city(city):
    from civicideas.tenancy.models import Membership

    with city_context(city):
        person = UserFactory()
        services.event_register(event=EventFactory(), user=person)
        assert Membership.objects.filter(user=person).exists()


def test_only_the_person_or_staff_cancel_a_registration(city, member_factory):
    a, b = (_citizen(member_factory, city) for _ in range(2))
    staff = member_factory(city, Role.CITY_ADMIN)
    with city_context(city):
        registration = services.event_register(event=EventFactory(), user=a)
        with pytest.raises(NotAllowed):
            services.registration_cancel(registration=registration, by=b)
        services.registration_cancel(registration=registration, by=staff)
        with pytest.raises(Conflict):
            services.registration_cancel(registration=registration, by=a)


def test_attendance_is_marked_by_staff_once_the_event_started(city, member_factory):
    person = _citizen(member_factory, city)
    staff = member_factory(city, Role.MODERATOR)
    evaluator = member_factory(city, Role.EVALUATOR)
    with city_context(city):
        event = EventFactory()
        registration = services.event_register(event=event, user=person)
        with pytest.raises(Conflict):
            services.attendance_mark(registration=registration, attended=True, by=staff)
        with time_machine.travel(event.starts_at + timedelta(minutes=30)):
            for who in (person, evaluator):
                with pytest.raises(NotAllowed):
                    services.attendance_mark(registration=registration, attended=True, by=who)
            services.attendance_mark(registration=registration, attended=False, by=staff)
        registration.refresh_from_db()
        assert registration.attended is False
        assert registration.attendance_marked_by == staff


def test_waiting_people_cannot_be_marked_present(city, member_factory):
    staff = member_factory(city, Role.MODERATOR)
    with city_context(city):
        registration = RegistrationFactory(
            status=R.WAITLISTED, event=EventFactory(starts_at=timezone.now() - timedelta(hours=1))
        )
        with pytest.raises(Conflict):
            services.attendance_mark(registration=registration, attended=True, by=staff)


def test_cancelling_an_event_tells_everyone_registered_or_waiting(city, member_factory):
    a, b, c = (_citizen(member_factory, city) for _ in range(3))
    staff = member_factory(city, Role.CITY_ADMIN)
    with city_context(city):
        event = EventFactory(capacity=1)
        services.event_register(event=event, user=a)
        services.event_register(event=event, user=b, waitlist=True)
        gone = services.event_register(event=EventFactory(), user=c)
        with pytest.raises(NotAllowed):
            services.event_cancel(event=event, by=a)
        services.event_cancel(event=event, by=staff, reason="  The hall   is flooded. ")
        event.refresh_from_db()
        assert event.is_cancelled and event.cancelled_by == staff
        told = Notification.objects.filter(kind="event_cancelled")
        assert sorted(told.values_list("recipient_id", flat=True)) == sorted([a.pk, b.pk])
        assert told.first().payload["reason"] == "The hall is flooded."
        assert gone.user_id not in told.values_list("recipient_id", flat=True)
        with pytest.raises(Conflict):
            services.event_cancel(event=event, by=staff)


def test_event_kinds_are_offered_on_the_preferences_page_to_registrants_only(city, member_factory):
    from civicideas.notifications.preferences import preferences_for

    person = _citizen(member_factory, city)
    with city_context(city):

        def keys():
            return {kind.key for kind, _channel in preferences_for(person)}

        assert "event_reminder" not in keys()
        services.event_register(event=EventFactory(), user=person)
        assert {"event_reminder", "event_place_freed", "event_cancelled"} <= keys()
