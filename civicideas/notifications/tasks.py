"""Celery tasks of the notifications: thin wrappers that take ids, enter the
city (``city_task``) and call ``delivery``, ``outbox`` or ``digests``.

Results are not stored (``ignore_result``): delivery state lives on the rows,
and a 50,000-person fan-out must not leave 500 results in Redis.
"""

from __future__ import annotations

import logging

from celery import shared_task

from civicideas.notifications import digests, outbox
from civicideas.notifications.delivery import deliver
from civicideas.notifications.models import Channel
from civicideas.tenancy.context import current_city
from civicideas.tenancy.tasks import city_task, for_each_active_city

logger = logging.getLogger(__name__)


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
    return vars(outcome)


@city_task(name="notifications.fan_out", ignore_result=True)
def fan_out_notifications(first_id: int, last_id: int) -> int:
    """Split a large audience's notifications into delivery chunks."""
    ids = outbox.pending_ids_between(first_id, last_id)
    return outbox.publish_chunks(current_city().pk, ids)


@city_task(name="notifications.sweep_city", ignore_result=True)
def sweep_city() -> int:
    ids = outbox.stale_ids()
    return outbox.publish_chunks(current_city().pk, ids) if ids else 0


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
    return vars(digests.build_digests(period=period, key=key, user_ids=user_ids))


@shared_task(name="notifications.digests", ignore_result=True)
def send_digests() -> int:
    """Beat, hourly: this period's daily and weekly digests in every city
    (the first run of a period sends, later ones only retry; see ``digests``)."""
    cities = 0
    for period in (Channel.DAILY, Channel.WEEKLY):
        cities = for_each_active_city(digest_city, str(period), digests.period_key(period))
    return cities
