"""Celery tasks of the events: thin wrappers that enter the city
(``city_task``) and call ``events.reminders``."""

from __future__ import annotations

from celery import shared_task

from civicideas.tenancy.tasks import city_task, for_each_active_city
from events.reminders import reminders_send


@city_task(name="events.reminders_city", ignore_result=True)
def reminders_city() -> int:
    """Send this city's "your event is tomorrow" reminders (idempotent)."""
    return reminders_send()


@shared_task(name="events.reminders", ignore_result=True)
def reminders() -> int:
    """Beat, hourly: queue the reminder run of every active city."""
    return for_each_active_city(reminders_city)
