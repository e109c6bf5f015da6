"""Writing notifications (always inside the transaction of the change) and
handing them to the queue after commit.

``notify`` writes the rows in bulk; after the transaction commits, one
message per chunk of ids is published (or, for a large audience, a single
fan-out message the worker splits into chunks), so the request that caused
them returns at once. Publishing never fails the request: when the broker is
down the rows stay ``pending`` and the beat sweep (``sweep_stale``) queues them
again, so an outage delays notifications and never loses them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from civicideas.notifications.kinds import Kind, is_registered
from civicideas.notifications.models import Notification
from civicideas.tenancy.context import current_city

if TYPE_CHECKING:
    from civicideas.accounts.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000
#: Notifications one delivery task handles (one message on the queue).
CHUNK_SIZE = 100
#: Most notifications one sweep of one city re-queues per run, so a backlog
#: that is merely slow (a 50,000-person fan-out) is not queued twice over.
SWEEP_LIMIT = 5_000


def subject_ref(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def notify(
    *,
    recipient_ids: Iterable[int | None],
    kind: Kind,
    about: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Queue one notification per recipient (deduplicated) in the current
    city. Must be called inside the transaction that makes the change, so
    both commit or neither does; delivery is queued after that commit.
    Returns how many were written.

    ``kind`` is one of the ``Kind`` constants an app declares in its
    ``notifications.py`` (and registers in ``ready``): a misspelt one is an
    import error, an unregistered one (a module never registered) refused
    here before any row is written."""
    if not isinstance(kind, Kind) or not is_registered(kind):
        raise ValueError(f"notify() needs a registered notification kind, not {kind!r}.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify() must run inside the transaction of the change.")
    city = current_city()
    ref = subject_ref(about) if about is not None else ""
    data = payload or {}
    now = timezone.now()
    rows = [
        Notification(
            city=city, recipient_id=rid, kind=kind.key, subject_ref=ref, payload=data, due_at=now
        )
        # None: an idea with no account behind it (entered by staff for an
        # anonymous person) has nobody to tell.
        for rid in dict.fromkeys(r for r in recipient_ids if r is not None)
    ]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    ids = [row.pk for row in rows]
    city_id = city.pk
    transaction.on_commit(lambda: enqueue(city_id, ids))
    return len(rows)


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
    from civicideas.notifications import tasks

    if not ids:
        return True
    try:
        if len(ids) <= CHUNK_SIZE:
            tasks.deliver_notifications.delay(city_id, list(ids))
        else:
            tasks.fan_out_notifications.delay(city_id, min(ids), max(ids))
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
    from civicideas.notifications import tasks

    sent = 0
    for chunk in chunks(ids):
        try:
            tasks.deliver_notifications.apply_async((city_id, chunk), countdown=countdown)
        except Exception:  # broker down: the sweep will retry
            logger.warning("Could not queue notifications of city %s.", city_id, exc_info=True)
            break
        sent += 1
    return sent


def sweep_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "NOTIFICATIONS_SWEEP_AFTER_SECONDS", 60))


def stale_ids(limit: int = SWEEP_LIMIT) -> list[int]:
    """Pending notifications of the current city due longer than the sweep
    delay ago, oldest first (served by ``notification_due_idx``)."""
    cutoff = timezone.now() - sweep_after()
    return list(
        Notification.objects.pending()
        .filter(due_at__lte=cutoff)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )


def pending_ids_between(first_id: int, last_id: int) -> list[int]:
    return list(
        Notification.objects.pending()
        .filter(pk__gte=first_id, pk__lte=last_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def notifications_retry(*, ids: Iterable[int]) -> int:
    """Put failed notifications of the current city back in the queue (admin).

    Only ``failed`` rows move; attempts start again from zero. Publishing
    happens after commit, like any new notification.
    """
    ids = list(ids)
    now = timezone.now()
    retried = list(
        Notification.objects.filter(pk__in=ids, state=Notification.State.FAILED)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=retried).update(
        state=Notification.State.PENDING, attempts=0, due_at=now, last_error=""
    )
    city_id = current_city().pk
    transaction.on_commit(lambda: enqueue(city_id, retried))
    return len(retried)


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications in the current city read (all when ``ids`` is None)."""
    unread = Notification.objects.for_user(user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
