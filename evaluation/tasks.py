"""Celery tasks of the evaluation: thin wrappers that enter the city
(``city_task``) and call ``evaluation.reminders``."""

from __future__ import annotations

from celery import shared_task

from civicideas.tenancy.tasks import city_task, for_each_active_city
from evaluation.reminders import due_reminders_send


@city_task(name="evaluation.due_reminders_city", ignore_result=True)
def due_reminders_city() -> int:
    """Send this city's "evaluation due soon" reminders (idempotent)."""
    return due_reminders_send()


@shared_task(name="evaluation.due_reminders", ignore_result=True)
def due_reminders() -> int:
    """Beat, hourly: queue the reminder run of every active city."""
    return for_each_active_city(due_reminders_city)
