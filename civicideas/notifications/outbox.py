"""Writing notifications (always inside the transaction of the change) and
handing them to the queue after commit.

``notify`` writes the rows in bulk; after the transaction commits,
``tasks.enqueue`` publishes one message per chunk of ids (or, for a large
audience, a single fan-out message the worker splits into chunks), so the
request that caused them returns at once. Publishing never fails the
request: when the broker is down the rows stay ``pending`` and the beat
sweep (``tasks.sweep``, with ``pending.stale_ids``) queues them again, so
an outage delays notifications and never loses them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from civicideas.notifications import tasks
from civicideas.notifications.kinds import Kind, is_registered
from civicideas.notifications.models import Notification
from civicideas.tenancy.context import current_city

if TYPE_CHECKING:
    from civicideas.accounts.models import User

BATCH_SIZE = 2_000


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
    transaction.on_commit(lambda: tasks.enqueue(city_id, ids))
    return len(rows)


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
    transaction.on_commit(lambda: tasks.enqueue(city_id, retried))
    return len(retried)


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications in the current city read (all when ``ids`` is None)."""
    unread = Notification.objects.for_user(user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
