"""The events back office: city-scoped lists and 404 for other cities'
ids, counts of registered and waiting, attendance actions, cancelling with
registrants told, and hostile values (capacity, times, links) refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from events.models import Event, Registration
from tests.conftest import client_for, make_member
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
R = Registration.Status


@pytest.fixture
def staff(city):
    return make_member(city, Role.MODERATOR)


def _form(**overrides):
    start = timezone.localtime(timezone.now() + timedelta(days=4))
    data = {
        "title": "Workshop",
        "kind": "workshop",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": "18:00:00",
        "ends_at_0": start.strftime("%Y-%m-%d"),
        "ends_at_1": "20:00:00",
        "place_name": "Library",
        "registrations-TOTAL_FORMS": "0",
        "registrations-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_changelist_shows_counts_and_only_the_citys_events(city, other_city, staff):
    with city_context(city):
        event = EventFactory(title="Ours", capacity=1)
        RegistrationFactory(event=event)
        RegistrationFactory(event=event, status=R.WAITLISTED)
        RegistrationFactory(event=event, status=R.WAITLISTED)
    with city_context(other_city):
        theirs = EventFactory(title="Theirs")
    client = client_for(staff, city)
    body = client.get("/admin/events/event/").content.decode()
    assert "Ours" in body and "Theirs" not in body
    assert '<td class="field-registered">1</td>' in body
    assert '<td class="field-waitlisted">2</td>' in body
    assert client.get(f"/admin/events/event/{theirs.pk}/change/").status_code == 404
    assert client.get(f"/admin/events/event/{event.pk}/change/").status_code == 200


def test_citizens_and_evaluators_have_no_events_admin(city):
    for role in (Role.CITIZEN, Role.EVALUATOR):
        response = client_for(make_member(city, role), city).get("/admin/events/event/")
        assert response.status_code in (302, 403), role


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": "-1"}, "capacity"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "99999999999999999999"}, "capacity"),
        ({"capacity": "1000001"}, "capacity"),
        ({"ends_at_1": "17:00:00"}, "ends_at"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"online_url": "ftp://example.org/x"}, "online_url"),
        ({"latitude": "91"}, "latitude"),
        ({"latitude": "50.8"}, "longitude"),
        ({"title": ""}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"challenge": "999999"}, "challenge"),
    ],
)
def test_hostile_values_are_form_errors_and_write_nothing(city, staff, overrides, field):
    response = client_for(staff, city).post("/admin/events/event/add/", _form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    with city_context(city):
        assert not Event.objects.exists()


def test_another_citys_challenge_cannot_be_chosen(city, other_city, staff):
    from tests.ideas.factories import ChallengeFactory

    with city_context(other_city):
        foreign = ChallengeFactory()
    response = client_for(staff, city).post(
        "/admin/events/event/add/", _form(challenge=str(foreign.pk))
    )
    assert "challenge" in response.context["adminform"].form.errors


def test_raising_the_capacity_moves_the_waiting_list_up(
    city, staff, django_capture_on_commit_callbacks
):
    with city_context(city):
        event = EventFactory(capacity=1)
        RegistrationFactory(event=event)
        waiting = RegistrationFactory(event=event, status=R.WAITLISTED)
    start = timezone.localtime(event.starts_at)
    end = timezone.localtime(event.ends_at)
    data = _form(
        title=event.title,
        capacity="2",
        starts_at_0=start.strftime("%Y-%m-%d"),
        starts_at_1=start.strftime("%H:%M:%S"),
        ends_at_0=end.strftime("%Y-%m-%d"),
        ends_at_1=end.strftime("%H:%M:%S"),
        place_name=event.place_name,
        lock_version="1",
        **{"registrations-TOTAL_FORMS": "2", "registrations-INITIAL_FORMS": "2"},
    )
    response = client_for(staff, city).post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    with city_context(city):
        waiting.refresh_from_db()
        assert waiting.status == R.REGISTERED
        assert Notification.objects.filter(kind="event_place_freed").count() == 1


def test_mark_attendance_and_cancel_actions(city, other_city, staff):
    with city_context(city):
        past = EventFactory(starts_at=timezone.now() - timedelta(hours=3))
        came = RegistrationFactory(event=past)
        missed = RegistrationFactory(event=past)
        upcoming = EventFactory()
        RegistrationFactory(event=upcoming)
    client = client_for(staff, city)
    client.post(
        "/admin/events/registration/",
        {"action": "mark_present", "_selected_action": [came.pk]},
    )
    client.post(
        "/admin/events/registration/",
        {"action": "mark_absent", "_selected_action": [missed.pk]},
    )
    client.post(
        "/admin/events/event/", {"action": "cancel_events", "_selected_action": [upcoming.pk]}
    )
    with city_context(city):
        assert Registration.objects.get(pk=came.pk).attended is True
        assert Registration.objects.get(pk=missed.pk).attended is False
        assert Registration.objects.get(pk=missed.pk).attendance_marked_by_id == staff.pk
        assert Event.objects.get(pk=upcoming.pk).is_cancelled
        assert Notification.objects.filter(kind="event_cancelled").count() == 1


def test_actions_on_other_citys_ids_change_nothing(city, other_city, staff):
    with city_context(other_city):
        foreign = RegistrationFactory(
            event=EventFactory(starts_at=timezone.now() - timedelta(hours=3))
        )
    client_for(staff, city).post(
        "/admin/events/registration/",
        {"action": "mark_present", "_selected_action": [foreign.pk, "abc"]},
    )
    with city_context(other_city):
        assert Registration.objects.get(pk=foreign.pk).attended is None


def test_marking_a_future_events_registration_is_refused_with_a_message(city, staff):
    with city_context(city):
        registration = RegistrationFactory(event=EventFactory())
    response = client_for(staff, city).post(
        "/admin/events/registration/",
        {"action": "mark_present", "_selected_action": [registration.pk]},
        follow=True,
    )
    assert "once the event has started" in response.content.decode()
    with city_context(city):
        assert Registration.objects.get(pk=registration.pk).attended is None


def test_a_form_read_before_the_event_was_cancelled_is_refused(city, staff):
    """Saving a stale form would put the cancelled event back to published."""
    from events import services

    with city_context(city):
        event = EventFactory()
    client = client_for(staff, city)
    form = client.get(f"/admin/events/event/{event.pk}/change/")
    assert 'name="lock_version" value="1"' in form.content.decode()
    with city_context(city):
        services.event_cancel(event=event, by=staff)
    start = timezone.localtime(event.starts_at)
    end = timezone.localtime(event.ends_at)
    response = client.post(
        f"/admin/events/event/{event.pk}/change/",
        _form(
            title="Renamed",
            starts_at_0=start.strftime("%Y-%m-%d"),
            starts_at_1=start.strftime("%H:%M:%S"),
            ends_at_0=end.strftime("%Y-%m-%d"),
            ends_at_1=end.strftime("%H:%M:%S"),
            lock_version="1",
        ),
    )
    assert response.status_code == 409
    with city_context(city):
        event.refresh_from_db()
        assert event.is_cancelled and event.title != "Renamed"
