"""What is kept and for how long (docs/privacy.md "Retention"): a city's old
notifications and never-confirmed accounts are deleted by the beat task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from civicideas.accounts import retention, tasks
from civicideas.accounts.models import Consent
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.context import all_cities_context
from civicideas.tenancy.models import City
from tests.conftest import make_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def notification(city, user, *, age_days: int) -> Notification:
    with city_context(city):
        row = Notification.objects.create(city=city, recipient=user, kind="test")
        Notification.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(days=age_days)
        )
    return row


def test_old_notifications_go_by_the_citys_retention(city, other_city):
    City.objects.filter(pk=city.pk).update(notification_retention_days=60)
    person = make_member(city)
    old, fresh = notification(city, person, age_days=61), notification(city, person, age_days=59)
    elsewhere = notification(other_city, person, age_days=61)  # other city keeps 365 days
    city.refresh_from_db()
    with city_context(city):
        assert retention.notifications_purge() == 1
        assert retention.notifications_purge() == 0  # idempotent
        assert list(Notification.objects.values_list("pk", flat=True)) == [fresh.pk]
    with city_context(other_city):
        assert Notification.objects.filter(pk=elsewhere.pk).exists()
    assert old.pk != fresh.pk


def test_the_retention_is_validated(city):
    from django.core.exceptions import ValidationError

    for days in (0, 29, 3651):
        city.notification_retention_days = days
        with pytest.raises(ValidationError):
            city.full_clean()


def joined(days_ago: int, **kwargs):
    user = UserFactory(verified=False, **kwargs)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_ago))
    return user


def test_unconfirmed_accounts_older_than_30_days_are_deleted(city):
    stale = joined(31)
    recent = joined(29)
    confirmed = joined(90)
    EmailAddress.objects.create(user=confirmed, email=confirmed.email, verified=True)
    unconfirmed_address = joined(90)
    EmailAddress.objects.create(user=unconfirmed_address, email=unconfirmed_address.email)
    superuser = joined(90, is_superuser=True)
    # A person who took part (a profile, a role) is kept even if unconfirmed.
    contributor = make_member(city, verified=False)
    User.objects.filter(pk=contributor.pk).update(date_joined=timezone.now() - timedelta(days=90))
    # A consent row in a city does not keep an account, and goes with it.
    with city_context(city):
        Consent.objects.create(city=city, user=unconfirmed_address, version=1)

    assert retention.unconfirmed_accounts_purge() == 2
    remaining = set(User.objects.values_list("pk", flat=True))
    assert stale.pk not in remaining and unconfirmed_address.pk not in remaining
    assert {recent.pk, confirmed.pk, superuser.pk, contributor.pk} <= remaining
    with all_cities_context():
        assert not Consent.objects.filter(user_id=unconfirmed_address.pk).exists()


def test_the_beat_task_queues_every_active_city_and_purges_accounts(city, other_city, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.retention_city, "delay", lambda *args: queued.append(args))
    stale = joined(40)
    assert tasks.retention_all() == 1
    assert sorted(queued) == sorted([(city.pk,), (other_city.pk,)])
    assert not User.objects.filter(pk=stale.pk).exists()


def test_the_city_task_runs_in_its_city(city):
    City.objects.filter(pk=city.pk).update(notification_retention_days=30)
    notification(city, make_member(city), age_days=31)
    assert tasks.retention_city(city.pk) == 1
