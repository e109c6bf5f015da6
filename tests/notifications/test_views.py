"""The bell, the notifications page, preferences and one-click unsubscribe."""

from __future__ import annotations

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicideas.notifications.models import Channel, Notification, NotificationPreference
from civicideas.notifications.unsubscribe import SALT, make_token
from civicideas.tenancy.context import city_context
from civicideas.tenancy.roles import Role
from tests.conftest import client_for, host_of, make_member
from tests.notifications.conftest import add_notification, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(city):
    return make_member(city, email="ana@example.org")


def test_bell_counts_unread_in_one_query(city, ana):
    for _ in range(3):
        add_notification(city, ana)
    add_notification(city, ana, read_at="2026-01-01T00:00Z")
    add_notification(city, make_member(city, email="bob@example.org"))
    client = client_for(ana, city)
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    # Session and user as on every page, then one count for the bell.
    outbox_queries = [q for q in queries if "notifications_notification" in q["sql"]]
    assert len(outbox_queries) == 1 and "COUNT(" in outbox_queries[0]["sql"]
    body = response.content.decode()
    assert response.status_code == 200
    assert ">3<" in body and "unread notifications" in body
    assert "<html" not in body


def test_bell_is_empty_for_anonymous_and_on_every_page(city, ana):
    assert Client(HTTP_HOST=host_of(city)).get(reverse("notifications:bell")).status_code == 204
    page = client_for(ana, city).get("/").content.decode()
    assert 'hx-trigger="load, every 60s"' in page
    assert reverse("notifications:list") in page


def test_list_shows_only_mine_in_this_city_paginated(
    city, other_city, ana, django_assert_max_num_queries
):
    make_member(other_city, email="ana@example.org")
    for i in range(25):
        add_notification(city, ana, payload={"title": f"Idea {i}", "idea": i + 1})
    add_notification(other_city, ana, payload={"title": "Lakeside secret"})
    add_notification(city, make_member(city, email="bob@example.org"), payload={"title": "Bob's"})
    client = client_for(ana, city)
    client.get("/")
    with django_assert_max_num_queries(12):
        first = client.get(reverse("notifications:list"))
    body = first.content.decode()
    assert first.status_code == 200
    assert "Idea 24" in body and "Idea 4" not in body
    assert "Lakeside secret" not in body and "Bob&#x27;s" not in body
    assert "Page 1 of 2" in body
    with django_assert_max_num_queries(12):
        second = client.get(reverse("notifications:list"), {"page": 2})
    assert "Idea 4" in second.content.decode()


def test_list_needs_sign_in_and_a_city(city, client):
    response = Client(HTTP_HOST=host_of(city)).get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("notifications:list")).status_code == 404  # platform host


def test_mark_read_and_open(city, ana):
    n = add_notification(city, ana, payload={"title": "T", "idea": 42})
    client = client_for(ana, city)
    response = client.post(reverse("notifications:read", args=[n.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/ideas/42/"
    assert reload(city, n).read_at is not None


def test_mark_read_of_someone_else_is_404(city, other_city, ana):
    bob = make_member(city, email="bob@example.org")
    theirs = add_notification(city, bob)
    lakeside = add_notification(other_city, make_member(other_city, email="c@example.org"))
    client = client_for(ana, city)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[lakeside.pk])).status_code == 404
    assert reload(city, theirs).read_at is None


def test_mark_all_read_is_a_post_and_touches_only_mine(city, ana):
    mine = [add_notification(city, ana) for _ in range(3)]
    bob = add_notification(city, make_member(city, email="bob@example.org"))
    client = client_for(ana, city)
    assert client.get(reverse("notifications:read_all")).status_code == 405
    assert client.post(reverse("notifications:read_all")).status_code == 302
    assert all(reload(city, n).read_at for n in mine)
    assert reload(city, bob).read_at is None


def test_preferences_page_saves_choices(city, ana):
    client = client_for(ana, city)
    page = client.get(reverse("notifications:preferences"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="kind-idea_commented"' in body
    assert 'name="kind-evaluator_assigned"' not in body  # citizens are never assigned
    response = client.post(
        reverse("notifications:preferences"),
        {"kind-idea_commented": "off", "kind-idea_published": "weekly"},
    )
    assert response.status_code == 302
    with city_context(city):
        stored = dict(NotificationPreference.objects.values_list("kind", "channel"))
    # Only changed choices are stored; untouched kinds keep their defaults.
    assert stored == {"idea_commented": "off", "idea_published": "weekly"}


def test_preferences_refuse_a_tampered_value(city, ana):
    response = client_for(ana, city).post(
        reverse("notifications:preferences"), {"kind-idea_commented": "sms"}
    )
    assert response.status_code == 400
    with city_context(city):
        assert not NotificationPreference.objects.exists()


def test_evaluators_see_their_kinds(city):
    eva = make_member(city, Role.EVALUATOR, email="eva@example.org")
    body = client_for(eva, city).get(reverse("notifications:preferences")).content.decode()
    assert 'name="kind-evaluator_assigned"' in body


def _unsubscribe_url(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


def _channel(city, user, kind):
    with city_context(city):
        pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return pref.channel if pref else None


def test_valid_unsubscribe_works_without_signing_in(city, ana):
    token = make_token(user_id=ana.pk, city_id=city.pk, kind="idea_published")
    anonymous = Client(HTTP_HOST=host_of(city), enforce_csrf_checks=True)
    page = anonymous.get(_unsubscribe_url(token))
    assert page.status_code == 200
    assert _channel(city, ana, "idea_published") is None  # a GET changes nothing
    # RFC 8058 one-click: a POST from the mail provider, no cookie, no CSRF token.
    done = anonymous.post(_unsubscribe_url(token), {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert _channel(city, ana, "idea_published") == Channel.OFF


def test_forged_or_altered_unsubscribe_is_refused(city, ana):
    bob = make_member(city, email="bob@example.org")
    mine = make_token(user_id=ana.pk, city_id=city.pk, kind="idea_published")
    payload, _sep, signature = mine.rpartition(":")
    altered = signing.dumps({"u": bob.pk, "c": city.pk, "k": "idea_published"}, salt=SALT)
    forged_for_bob = f"{altered.rpartition(':')[0]}:{signature}"
    other_salt = signing.dumps({"u": bob.pk, "c": city.pk, "k": "idea_published"})
    anonymous = Client(HTTP_HOST=host_of(city))
    for token in (forged_for_bob, other_salt, "garbage", f"{payload}:AAAA"):
        response = anonymous.post(_unsubscribe_url(token))
        assert response.status_code == 400, token
    assert _channel(city, bob, "idea_published") is None
    assert _channel(city, ana, "idea_published") is None


def test_unsubscribe_for_another_city_is_refused(city, other_city, ana):
    lakeside_token = make_token(user_id=ana.pk, city_id=other_city.pk, kind="idea_published")
    response = Client(HTTP_HOST=host_of(city)).post(_unsubscribe_url(lakeside_token))
    assert response.status_code == 400
    assert _channel(city, ana, "idea_published") is None


def test_digest_unsubscribe_turns_off_every_kind_in_that_digest(city, ana):
    token = make_token(user_id=ana.pk, city_id=city.pk, kind="digest:daily")
    Client(HTTP_HOST=host_of(city)).post(_unsubscribe_url(token))
    with city_context(city):
        stored = dict(
            NotificationPreference.objects.filter(user=ana).values_list("kind", "channel")
        )
    assert stored["idea_commented"] == stored["idea_status_changed"] == Channel.OFF
    assert "idea_published" not in stored  # an immediate kind, not in the daily digest


def test_emailed_unsubscribe_link_round_trip(city, ana):
    from django.core import mail

    from tests.notifications.conftest import deliver_in

    n = add_notification(city, ana, "idea_hidden", payload={"title": "T", "reason": "spam"})
    deliver_in(city, [n.pk])
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://riverton.localhost")
    assert Client(HTTP_HOST=host_of(city)).post(path).status_code == 200
    assert _channel(city, ana, "idea_hidden") == Channel.OFF
    assert reload(city, n).state == Notification.State.SENT
