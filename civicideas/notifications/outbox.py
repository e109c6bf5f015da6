"""Writing notifications: always inside the transaction of the change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from civicideas.notifications.models import Notification
from civicideas.tenancy.context import current_city

BATCH_SIZE = 2_000


def subject_ref(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    about: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Queue one notification per recipient (deduplicated) in the current
    city. Must be called inside the transaction that makes the change, so
    both commit or neither does. Returns how many were written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify() must run inside the transaction of the change.")
    city = current_city()
    ref = subject_ref(about) if about is not None else ""
    data = payload or {}
    rows = [
        Notification(city=city, recipient_id=rid, kind=kind, subject_ref=ref, payload=data)
        for rid in dict.fromkeys(recipient_ids)
    ]
    Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)
