"""Celery tasks of the notifications: thin wrappers that take ids, enter the
city (``city_task``) and call ``delivery``, ``digests`` or ``pending``, and
the functions that publish them (``enqueue``, ``publish_chunks``).

The arrows run one way: ``outbox`` (which writes the rows) queues delivery
through ``enqueue`` after its commit; the tasks call the modules that
deliver, which know no task. A delivery's temporary failures come back in
its ``Outcome`` and the task queues their retries after its own commit.

Results are not stored (``ignore_result``): delivery state lives on the rows,
and a 50,000-person fan-out must not leave 500 results in Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from celery import shared_task
from django.db import transaction

from civicideas.notifications import digests, pending
from civicideas.notifications.delivery import deliver
from civicideas.notifications.models import Channel
from civicideas.tenancy.context import current_city
from civicideas.tenancy.tasks import city_task, for_each_active_city

logger = logging.getLogger(__name__)

#: Notifications one delivery task handles (one message on the queue).
CHUNK_SIZE = 100


def chunks(ids: Sequence[int], size: int = CHUNK_SIZE) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def enqueue(city_id: int, ids: Sequence[int]) -> bool:
    """Publish delivery for committed notifications; never raises.

    Up to one chunk goes straight to a delivery task; more go to one fan-out
    task that splits them in the worker, so a request publishes one message
    whatever the audience. Returns False when the broker refused (the rows
    stay pending for the sweep).
    """
    if not ids:
        return True
    try:
        if len(ids) <= CHUNK_SIZE:
            deliver_notifications.delay(city_id, list(ids))
        else:
            fan_out_notifications.delay(city_id, min(ids), max(ids))
    except Exception:  # any broker failure: the sweep will retry
        logger.warning(
            "Could not queue %d notification(s) of city %s; the sweep will retry.",
            len(ids),
            city_id,
            exc_info=True,
        )
        return False
    return True


def publish_chunks(city_id: int, ids: Sequence[int], *, countdown: float | None = None) -> int:
    """Publish one delivery task per chunk (in a worker or the sweep). Stops at
    the first broker error, leaving the rest to the sweep; returns chunks sent."""
    sent = 0
    for chunk in chunks(ids):
        try:
            deliver_notifications.apply_async((city_id, chunk), countdown=countdown)
        except Exception:  # broker down: the sweep will retry
            logger.warning("Could not queue notifications of city %s.", city_id, exc_info=True)
            break
        sent += 1
    return sent


@city_task(name="notifications.deliver", ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    outcome = deliver(notification_ids)
    if outcome.refused:
        logger.info(
            "%d notification(s) not claimed in city %s (already handled, locked by "
            "another worker, not due, or not this city's).",
            outcome.refused,
            current_city().pk,
        )
    if outcome.retries:
        city_id, retries = current_city().pk, dict(outcome.retries)

        def queue_retries() -> None:
            for delay, retry_ids in retries.items():
                publish_chunks(city_id, retry_ids, countdown=delay)

        transaction.on_commit(queue_retries)
    return outcome.counts()


@city_task(name="notifications.fan_out", ignore_result=True)
def fan_out_notifications(first_id: int, last_id: int) -> int:
    """Split a large audience's notifications into delivery chunks."""
    ids = pending.pending_ids_between(first_id, last_id)
    return publish_chunks(current_city().pk, ids)


@city_task(name="notifications.sweep_city", ignore_result=True)
def sweep_city() -> int:
    ids = pending.stale_ids()
    return publish_chunks(current_city().pk, ids) if ids else 0


@shared_task(name="notifications.sweep", ignore_result=True)
def sweep() -> int:
    """Beat, every minute: re-queue what is still pending (a lost message, a
    broker outage at commit time, a retry whose message was lost)."""
    return for_each_active_city(sweep_city)


@city_task(name="notifications.digest_city", ignore_result=True)
def digest_city(period: str, key: str) -> int:
    batches = digests.waiting_batches(period)
    city_id = current_city().pk
    for batch in batches:
        digest_batch.delay(city_id, period, key, batch)
    return sum(len(batch) for batch in batches)


@city_task(name="notifications.digest_batch", ignore_result=True)
def digest_batch(period: str, key: str, user_ids: list[int]) -> dict[str, int]:
    return digests.build_digests(period=period, key=key, user_ids=user_ids).counts()


@shared_task(name="notifications.digests", ignore_result=True)
def send_digests() -> int:
    """Beat, hourly: this period's daily and weekly digests in every city
    (the first run of a period sends, later ones only retry; see ``digests``)."""
    cities = 0
    for period in (Channel.DAILY, Channel.WEEKLY):
        cities = for_each_active_city(digest_city, str(period), digests.period_key(period))
    return cities
