"""How long personal data is kept (docs/privacy.md "Retention").

Two purges, run by the beat task ``accounts.retention``
(``civicideas.accounts.tasks``):

* a city's notifications older than its ``notification_retention_days``
  (``notifications_purge``, in the city's context, per city);
* accounts never confirmed after ``UNCONFIRMED_ACCOUNT_DAYS``
  (``unconfirmed_accounts_purge``, once for the platform: accounts are
  global, so no single city may decide it alone).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError
from django.utils import timezone

from civicideas.accounts.models import Profile, User
from civicideas.accounts.services import user_delete
from civicideas.tenancy.context import all_cities_context, current_city
from civicideas.tenancy.models import Membership

#: Days an account may stay without a confirmed e-mail address.
UNCONFIRMED_ACCOUNT_DAYS = 30

#: Rows deleted per statement: a city's first purge may meet years of rows.
BATCH = 5_000


def notifications_purge() -> int:
    """Delete the current city's notifications older than its retention
    period; return how many. Idempotent (a second run finds none)."""
    from civicideas.notifications.models import Notification

    city = current_city()
    cutoff = timezone.now() - timedelta(days=city.notification_retention_days)
    deleted = 0
    while True:
        ids = list(
            Notification.objects.filter(created_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return deleted
        deleted += (
            Notification.objects.filter(pk__in=ids).delete()[1].get(Notification._meta.label, 0)
        )


def unconfirmed_accounts() -> list[int]:
    """Ids of accounts to delete: joined more than ``UNCONFIRMED_ACCOUNT_DAYS``
    ago, no confirmed e-mail address, no contribution anywhere (a profile is
    made on first participation, ``profile_ensure``), no role in any city,
    not a platform superuser. Call in ``all_cities_context``."""
    from allauth.account.models import EmailAddress

    cutoff = timezone.now() - timedelta(days=UNCONFIRMED_ACCOUNT_DAYS)
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    profiles = Profile.objects.filter(user=OuterRef("pk"))
    memberships = Membership.objects.filter(user=OuterRef("pk"))
    return list(
        User.objects.filter(date_joined__lt=cutoff, is_superuser=False)
        .exclude(Exists(verified))
        .exclude(Exists(profiles))
        .exclude(Exists(memberships))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def unconfirmed_accounts_purge() -> int:
    """Delete the accounts ``unconfirmed_accounts`` names; return how many.

    Each in a savepoint: an account some row still protects (a sponsor's
    member, ``on_delete=PROTECT``) is kept, and the others still go."""
    deleted = 0
    with transaction.atomic(), all_cities_context():
        for user in User.objects.filter(pk__in=unconfirmed_accounts()):
            try:
                with transaction.atomic():
                    user_delete(user=user)
            except ProtectedError:
                continue
            deleted += 1
    return deleted
