"""Notifications still waiting to be delivered, as the tasks that queue them
again find them: the beat sweep's overdue ones and a fan-out's range."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from civicideas.notifications.models import Notification

#: Most notifications one sweep of one city re-queues per run, so a backlog
#: that is merely slow (a 50,000-person fan-out) is not queued twice over.
SWEEP_LIMIT = 5_000


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
