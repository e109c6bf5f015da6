"""Celery tasks of the statistics: the hourly refresh of every city."""

from __future__ import annotations

from celery import shared_task

from civicideas.statistics.store import statistics_refresh
from civicideas.tenancy.context import current_city
from civicideas.tenancy.tasks import city_task, for_each_active_city


@city_task(name="statistics.refresh_city", ignore_result=True)
def refresh_city() -> None:
    """Recompute this city's figures into its row and the cache (idempotent)."""
    statistics_refresh(city=current_city())


@shared_task(name="statistics.refresh", ignore_result=True)
def refresh() -> int:
    """Beat, hourly: queue the refresh of every active city."""
    return for_each_active_city(refresh_city)
