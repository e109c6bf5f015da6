"""Beat tasks of the accounts: what is kept and for how long (``retention``)."""

from __future__ import annotations

from celery import shared_task

from civicideas.accounts import retention
from civicideas.tenancy.tasks import city_task, for_each_active_city


@city_task(name="accounts.retention_city", ignore_result=True)
def retention_city() -> int:
    return retention.notifications_purge()


@shared_task(name="accounts.retention", ignore_result=True)
def retention_all() -> int:
    """Queue each active city's purge of old notifications, then delete the
    accounts never confirmed (global, so once here and not per city)."""
    for_each_active_city(retention_city)
    return retention.unconfirmed_accounts_purge()
