"""Celery tasks of the ideas app: thin, each enters its city and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from civicideas.tenancy.context import current_city
from civicideas.tenancy.tasks import city_task, for_each_active_city
from ideas.services.import_run import import_batch_run
from ideas.services.offline import invitations_sweep


@city_task(name="ideas.import_batch", ignore_result=True)
def import_batch(batch_id: int) -> None:
    """Import the next chunk of a batch's rows; queue the next chunk after
    the commit, so the page sees progress between chunks."""
    if import_batch_run(batch_id=batch_id):
        city_id = current_city().pk
        transaction.on_commit(lambda: import_batch.delay(city_id, batch_id))


@city_task(name="ideas.invitations_sweep_city", ignore_result=True)
def invitations_sweep_city() -> int:
    return invitations_sweep()


@shared_task(name="ideas.invitations_sweep", ignore_result=True)
def invitations_sweep_all() -> int:
    """Beat: blank the addresses of long-expired, unclaimed invitations in
    every active city (docs/privacy.md "Retention")."""
    return for_each_active_city(invitations_sweep_city)
