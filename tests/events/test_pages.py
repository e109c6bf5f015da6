"""The events pages: who sees and may do what (anonymous, citizen, staff, a
person of another city), and hostile input (bad ids, other cities' ids,
double posts, cancelled and past events) giving clear 4xx, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from events import services
from events.models import Event, Registration
from tests.conftest import client_for, make_member
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
R = Registration.Status


@pytest.fixture
def event(city):
    with city_context(city):
        return EventFactory(capacity=1, step_free=True, language_support="Arabic spoken")


@pytest.fixture
def foreign_event(other_city):
    with city_context(other_city):
        return EventFactory(title="Lakeside only")


def _count(city, **filters):
    with city_context(city):
        return Registration.objects.filter(**filters).count()


def test_list_shows_upcoming_first_and_past_in_their_own_section(city, city_client):
    with city_context(city):
        soon = EventFactory(title="Soon")
        later = EventFactory(title="Later", starts_at=timezone.now() + timedelta(days=9))
        EventFactory(
            title="Last month",
            starts_at=timezone.now() - timedelta(days=30),
            ends_at=timezone.now() - timedelta(days=30) + timedelta(hours=2),
        )
    body = city_client.get("/events/").content.decode()
    assert body.index(soon.title) < body.index(later.title) < body.index("Last month")
    assert body.index("past-events") < body.index("Last month")


def test_list_filters_by_challenge(city, city_client):
    from tests.ideas.factories import ChallengeFactory

    with city_context(city):
        challenge = ChallengeFactory()
        EventFactory(title="About the challenge", challenge=challenge)
        EventFactory(title="City-wide walk")
    body = city_client.get("/events/", {"challenge": challenge.slug}).content.decode()
    assert "About the challenge" in body and "City-wide walk" not in body
    # An unknown or hostile slug shows every event, never an error.
    for slug in ("nope", "<script>", "x" * 5000):
        response = city_client.get("/events/", {"challenge": slug})
        assert response.status_code == 200
        assert "City-wide walk" in response.content.decode()


def test_detail_shows_accessibility_and_asks_anonymous_to_sign_in(city_client, event):
    body = city_client.get(f"/events/{event.pk}/").content.decode()
    assert "Step-free access: yes" in body
    assert "Arabic spoken" in body
    assert "Sign in to register" in body
    assert 'action="/events/' not in body  # no form for an anonymous visitor


def test_anonymous_post_goes_to_sign_in_and_writes_nothing(city, city_client, event):
    response = city_client.post(f"/events/{event.pk}/register/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _count(city) == 0


def test_citizen_registers_then_the_next_joins_the_waiting_list(city, event):
    a, b = make_member(city), make_member(city)
    response = client_for(a, city).post(f"/events/{event.pk}/register/")
    assert response.status_code == 303
    client_b = client_for(b, city)
    page = client_b.get(f"/events/{event.pk}/").content.decode()
    assert "This event is full." in page and "Join the waiting list" in page
    # Posting "register" on a page that was not full yet: told, nothing written.
    assert client_b.post(f"/events/{event.pk}/register/").status_code == 409
    assert _count(city, user=b) == 0
    client_b.post(f"/events/{event.pk}/register/", {"waitlist": "1"})
    page = client_b.get(f"/events/{event.pk}/").content.decode()
    assert "You are on the waiting list, number 1." in page


def test_cancel_asks_for_confirmation_then_frees_the_place(city, event):
    a, b = make_member(city), make_member(city)
    client_a = client_for(a, city)
    client_a.post(f"/events/{event.pk}/register/")
    client_for(b, city).post(f"/events/{event.pk}/register/", {"waitlist": "1"})
    confirm = client_a.get(f"/events/{event.pk}/cancel/")
    assert confirm.status_code == 200 and "Cancel your registration?" in confirm.content.decode()
    assert _count(city, status=R.CANCELLED) == 0  # a GET changes nothing
    assert client_a.post(f"/events/{event.pk}/cancel/").status_code == 303
    with city_context(city):
        assert Registration.objects.get(user=b).status == R.REGISTERED
    # A second post (double click): nothing more happens.
    assert client_a.post(f"/events/{event.pk}/cancel/").status_code == 303
    assert _count(city, status=R.CANCELLED) == 1


def test_double_post_registers_once(city, event):
    client = client_for(make_member(city), city)
    assert client.post(f"/events/{event.pk}/register/").status_code == 303
    assert client.post(f"/events/{event.pk}/register/").status_code == 409
    assert _count(city) == 1


def test_unverified_account_is_told_to_confirm(city, event):
    user = make_member(city, verified=False)
    response = client_for(user, city).post(f"/events/{event.pk}/register/")
    assert response.status_code == 403
    assert "Confirm your e-mail address" in response.content.decode()
    assert _count(city) == 0


@pytest.mark.parametrize("state", ["cancelled", "past", "started"])
def test_cancelled_and_past_events_take_no_registration(city, event, state):
    staff = make_member(city, Role.MODERATOR)
    with city_context(city):
        if state == "cancelled":
            services.event_cancel(event=event, by=staff)
        else:
            start = timezone.now() - timedelta(days=3 if state == "past" else 0, minutes=10)
            Event.objects.filter(pk=event.pk).update(
                starts_at=start,
                ends_at=start + timedelta(days=1 if state == "started" else 0, hours=1),
            )
    client = client_for(make_member(city), city)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert ">Register<" not in page
    assert client.post(f"/events/{event.pk}/register/").status_code == 403
    assert client.post(f"/events/{event.pk}/register/", {"waitlist": "1"}).status_code == 403
    assert _count(city) == 0


def test_other_citys_event_is_404_everywhere(city, other_city, foreign_event):
    user = make_member(city)
    client = client_for(user, city)
    for path in ("/", ".ics", "/register/", "/cancel/"):
        url = f"/events/{foreign_event.pk}{path}"
        response = client.post(url) if path == "/register/" else client.get(url)
        assert response.status_code == 404, url
    assert "Lakeside only" not in client.get("/events/").content.decode()
    assert "Lakeside only" not in client.get("/events/calendar.ics").content.decode()
    assert _count(other_city) == 0


def test_person_of_another_city_may_register_here_and_becomes_a_citizen(city, other_city, event):
    visitor = make_member(other_city)
    assert client_for(visitor, city).post(f"/events/{event.pk}/register/").status_code == 303
    assert _count(city, user=visitor) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/events/abc/",
        "/events/0/",
        "/events/-1/",
        "/events/99999999999999999999999/",
        "/events/%00/",
        "/events/1e3/",
        "/events/999999/",
        "/events/999999.ics",
    ],
)
def test_bad_ids_are_404(city, path):
    client = client_for(make_member(city), city)
    assert client.get(path).status_code == 404
    assert client.post(path.rstrip("/") + "/register/").status_code in (404, 405)


def test_get_on_register_is_405(city, event):
    assert (
        client_for(make_member(city), city).get(f"/events/{event.pk}/register/").status_code == 405
    )


def test_staff_see_the_back_office_link_citizens_do_not(city, event):
    link = f"/admin/events/event/{event.pk}/change/"
    for role, shown in [
        (Role.CITIZEN, False),
        (Role.EVALUATOR, False),
        (Role.MODERATOR, True),
        (Role.CITY_ADMIN, True),
    ]:
        body = (
            client_for(make_member(city, role), city).get(f"/events/{event.pk}/").content.decode()
        )
        assert (link in body) is shown, role


def test_platform_host_has_no_events(db, city):
    from django.test import Client

    assert Client(HTTP_HOST="testserver").get("/events/").status_code == 404


def test_challenge_page_home_and_map_show_upcoming_events(city, city_client):
    from tests.ideas.factories import ChallengeFactory

    with city_context(city):
        challenge = ChallengeFactory()
        EventFactory(
            title="Challenge workshop", challenge=challenge, latitude=50.85, longitude=4.35
        )
        EventFactory(title="Cancelled one", challenge=challenge, status=Event.Status.CANCELLED)
    page = city_client.get(reverse("ideas:challenge", args=[challenge.slug])).content.decode()
    assert "Challenge workshop" in page and "Cancelled one" not in page
    home = city_client.get("/").content.decode()
    assert "Challenge workshop" in home
    map_page = city_client.get("/map/").content.decode()
    assert "data-event-features" in map_page and "Challenge workshop" in map_page


def test_a_new_event_shows_on_the_cached_home_at_once(
    city, city_client, settings, django_capture_on_commit_callbacks
):
    from civicideas.web import page_cache

    settings.PAGE_CACHE_SECONDS = 60
    page_cache.reset_backoff()
    staff = make_member(city, Role.CITY_ADMIN)
    assert "Fresh event" not in city_client.get("/").content.decode()
    start = (timezone.localtime(timezone.now(), city.zoneinfo) + timedelta(days=2)).replace(
        microsecond=0
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff, city).post(
            "/admin/events/event/add/",
            {
                "title": "Fresh event",
                "kind": "workshop",
                "starts_at_0": start.strftime("%Y-%m-%d"),
                "starts_at_1": "18:00:00",
                "ends_at_0": start.strftime("%Y-%m-%d"),
                "ends_at_1": "20:00:00",
                "place_name": "Library",
                "registrations-TOTAL_FORMS": "0",
                "registrations-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "Fresh event" in city_client.get("/").content.decode()


def test_registration_factory_row_shows_waitlist_position(city, event):
    user = make_member(city)
    with city_context(city):
        RegistrationFactory(event=event)
        RegistrationFactory(event=event, status=R.WAITLISTED)
        RegistrationFactory(event=event, status=R.WAITLISTED, user=user)
    body = client_for(user, city).get(f"/events/{event.pk}/").content.decode()
    assert "number 2" in body
