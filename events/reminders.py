""" "Your event is tomorrow" reminders.

Celery beat runs ``events.reminders`` hourly; it queues ``events.reminders_city``
per active city (``for_each_active_city``), which calls ``reminders_send``.
Every registration with a place at a published event starting within the
next ``REMIND_WITHIN`` gets one ``event_reminder`` notification.

Exactly once: the registrations are claimed with ``SELECT ... FOR UPDATE
SKIP LOCKED`` and marked ``reminded_at`` in the same transaction as the
notifications, so a second or concurrent run finds nothing left to claim
(a run that overlaps skips the rows the other one holds; once that one
commits, they are marked). Someone who registers within the window is
reminded by the next run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from civicideas.notifications.outbox import notify
from events import notifications as kinds
from events.models import Event, Registration
from events.services import payload_of

#: How long before the start registrants are reminded ("the day before").
REMIND_WITHIN = timedelta(hours=24)


@transaction.atomic
def reminders_send(*, now: datetime | None = None, within: timedelta = REMIND_WITHIN) -> int:
    """Remind, in the current city, everyone with a place at an event
    starting in ``(now, now + within]``; return how many were written."""
    now = now or timezone.now()
    claimed = list(
        Registration.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            status=Registration.Status.REGISTERED,
            reminded_at__isnull=True,
            event__status=Event.Status.PUBLISHED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + within,
        )
        .order_by("pk")
        .values_list("pk", "event_id", "user_id")
    )
    if not claimed:
        return 0
    Registration.objects.filter(pk__in=[pk for pk, _e, _u in claimed]).update(reminded_at=now)
    by_event: dict[int, list[int]] = defaultdict(list)
    for _pk, event_id, user_id in claimed:
        by_event[event_id].append(user_id)
    written = 0
    for event in Event.objects.filter(pk__in=by_event).order_by("pk"):
        written += notify(
            recipient_ids=by_event[event.pk],
            kind=kinds.EVENT_REMINDER,
            about=event,
            payload=payload_of(event),
        )
    return written
