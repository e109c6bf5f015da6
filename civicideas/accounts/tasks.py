"""Celery tasks of accounts: data exports (building, purging expired ones) and
retention (what is kept and for how long, ``retention``)."""

from __future__ import annotations

from celery import shared_task

from civicideas.accounts import export, retention
from civicideas.tenancy.context import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.tasks import city_task, for_each_active_city


@shared_task(name="accounts.build_export", ignore_result=True)
def build_export(city_id: int, export_id: int) -> None:
    """Not a ``city_task``: the archive covers every city the person took
    part in, and ``export.build_export`` enters each city itself, one
    transaction per phase. A failure marks the export failed (the person
    may then ask again at once) and is raised for the task log."""
    city = City.objects.filter(pk=city_id).first()
    if city is None:
        return
    try:
        export.build_export(city=city, export_id=export_id)
    except Exception:
        with city_context(city):
            export.export_mark_failed(export_id=export_id)
        raise


@city_task(name="accounts.purge_exports_city", ignore_result=True)
def purge_exports_city() -> int:
    return export.exports_purge()


@shared_task(name="accounts.purge_exports", ignore_result=True)
def purge_exports() -> int:
    """Beat: delete expired export archives in every city."""
    return for_each_active_city(purge_exports_city)


@city_task(name="accounts.retention_city", ignore_result=True)
def retention_city() -> int:
    return retention.notifications_purge()


@shared_task(name="accounts.retention", ignore_result=True)
def retention_all() -> int:
    """Queue each active city's purge of old notifications, then delete the
    accounts never confirmed (global, so once here and not per city)."""
    for_each_active_city(retention_city)
    return retention.unconfirmed_accounts_purge()
