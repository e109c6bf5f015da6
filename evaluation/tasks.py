"""Celery tasks of the evaluation: thin wrappers that enter the city
(``city_task``) and call ``evaluation.reminders``."""

from __future__ import annotations

from celery import shared_task

from civicideas.tenancy.models import City
from civicideas.tenancy.tasks import city_task
from evaluation.reminders import due_reminders_send


@city_task(name="evaluation.due_reminders_city", ignore_result=True)
def due_reminders_city() -> int:
    """Send this city's "evaluation due soon" reminders (idempotent)."""
    return due_reminders_send()


@shared_task(name="evaluation.due_reminders", ignore_result=True)
def due_reminders() -> int:
    """Beat, hourly: queue the reminder run of every active city."""
    cities = list(City.objects.active().values_list("pk", flat=True))
    for city_id in cities:
        due_reminders_city.delay(city_id)
    return len(cities)
