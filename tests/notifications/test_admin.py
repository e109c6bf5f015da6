"""Failed notifications are visible in the admin with their error and can be retried."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicideas.notifications.models import Notification
from civicideas.tenancy.roles import Role
from tests.conftest import client_for, make_member
from tests.notifications.conftest import add_notification, reload

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_notification_changelist"


def test_city_admin_sees_failures_with_their_error_and_retries(
    city, other_city, published, django_capture_on_commit_callbacks
):
    admin = make_member(city, Role.CITY_ADMIN, email="admin@riverton.example")
    person = make_member(city, email="ana@example.org")
    failed = add_notification(
        city,
        person,
        state=Notification.State.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused: 550 no such user",
    )
    add_notification(
        other_city,
        make_member(other_city, email="x@example.org"),
        state=Notification.State.FAILED,
        last_error="LAKESIDE ERROR",
    )
    client = client_for(admin, city)

    page = client.get(reverse(CHANGELIST), {"state": "failed"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "550 no such user" in body and "LAKESIDE ERROR" not in body
    detail = client.get(reverse("admin:notifications_notification_change", args=[failed.pk]))
    assert "550 no such user" in detail.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST), {"action": "retry", "_selected_action": [failed.pk]}
        )
    assert response.status_code == 302
    assert reload(city, failed).state == Notification.State.PENDING
    assert published.names() == ["notifications.deliver"]


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.EVALUATOR])
def test_other_staff_cannot_see_or_retry(city, role, published):
    staff = make_member(city, role, email="staff@riverton.example")
    failed = add_notification(
        city, make_member(city, email="ana@example.org"), state=Notification.State.FAILED
    )
    client = client_for(staff, city)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    client.post(reverse(CHANGELIST), {"action": "retry", "_selected_action": [failed.pk]})
    assert reload(city, failed).state == Notification.State.FAILED


def test_citizen_is_kept_out(city):
    citizen = make_member(city, email="c@example.org")
    response = client_for(citizen, city).get(reverse(CHANGELIST))
    assert response.status_code == 302  # to the admin login
