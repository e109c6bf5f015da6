"""Celery tasks of the ideas app: thin, each enters its city and calls a service."""

from __future__ import annotations

from django.db import transaction

from civicideas.tenancy.context import current_city
from civicideas.tenancy.tasks import city_task
from ideas.services.import_run import import_batch_run


@city_task(name="ideas.import_batch", ignore_result=True)
def import_batch(batch_id: int) -> None:
    """Import the next chunk of a batch's rows; queue the next chunk after
    the commit, so the page sees progress between chunks."""
    if import_batch_run(batch_id=batch_id):
        city_id = current_city().pk
        transaction.on_commit(lambda: import_batch.delay(city_id, batch_id))
