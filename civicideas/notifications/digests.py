"""Daily and weekly digests: one email per person per period, never two.

Notifications whose recipient chose a digest wait in state ``digest``. An
hourly beat task asks every city for the current period's digests; the city
task lists who has something waiting and queues batches of people; each
batch claims one ``DigestRun`` per person and period (unique row inserted
with ``ON CONFLICT DO NOTHING``, then locked with ``SKIP LOCKED`` and only
sent while ``pending``). A task that runs twice, in parallel or later, finds
the rows sent or locked and sends nothing. A digest that hit a temporary
SMTP error stays pending and is retried by the next hourly run of the same
period.

Periods start at ``NOTIFICATIONS_DIGEST_HOUR`` (UTC, default 6): the daily
key is the date, the weekly key the ISO week, both of the time shifted back
by that hour, so the first run after 06:00 sends and later runs the same day
only retry.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicideas.notifications.delivery import (
    Mailer,
    Outcome,
    bulk_set,
    describe,
    is_transient,
    languages_of,
    max_attempts,
)
from civicideas.notifications.kinds import kind_or_unknown
from civicideas.notifications.models import Channel, DigestRun, Notification
from civicideas.notifications.preferences import DIGEST_KIND_PREFIX
from civicideas.tenancy.context import current_city

logger = logging.getLogger(__name__)

#: People per digest task.
BATCH_SIZE = 500
#: Items listed in one digest; the rest are counted and on the notifications page.
MAX_ITEMS = 30


def digest_hour() -> int:
    return getattr(settings, "NOTIFICATIONS_DIGEST_HOUR", 6)


def period_key(period: str, now: datetime | None = None) -> str:
    shifted = (now or timezone.now()) - timedelta(hours=digest_hour())
    if period == Channel.DAILY:
        return shifted.date().isoformat()
    if period == Channel.WEEKLY:
        year, week, _day = shifted.isocalendar()
        return f"{year}-W{week:02d}"
    raise ValueError(f"Not a digest period: {period!r}")


def waiting_recipients(period: str) -> list[int]:
    """People of the current city with something waiting for this digest."""
    return list(
        Notification.objects.filter(state=Notification.State.DIGEST, channel=period)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def waiting_batches(period: str) -> list[list[int]]:
    """Those people in batches of ``BATCH_SIZE``: one task (beat) or one
    transaction (``manage.py send_digests``) each."""
    user_ids = waiting_recipients(period)
    return [user_ids[i : i + BATCH_SIZE] for i in range(0, len(user_ids), BATCH_SIZE)]


def build_digests(*, period: str, key: str, user_ids: Sequence[int]) -> Outcome:
    """Send this period's digest to these people of the current city, once each."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("build_digests() must run inside city_context (a city task).")
    city = current_city()
    outcome = Outcome()
    DigestRun.objects.bulk_create(
        [DigestRun(city=city, user_id=uid, period=period, period_key=key) for uid in user_ids],
        ignore_conflicts=True,
    )
    runs = list(
        DigestRun.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            user_id__in=list(user_ids),
            period=period,
            period_key=key,
            state=DigestRun.State.PENDING,
        )
        .select_related("user")
    )
    outcome.refused = len(set(user_ids)) - len(runs)
    if not runs:
        return outcome
    waiting: dict[int, list[Notification]] = defaultdict(list)
    for notification in Notification.objects.filter(
        recipient_id__in=[run.user_id for run in runs],
        state=Notification.State.DIGEST,
        channel=period,
    ).order_by("recipient_id", "-created_at", "-pk"):
        waiting[notification.recipient_id].append(notification)
    mailer = Mailer.for_current_city()
    languages = languages_of(city, [run.user_id for run in runs])
    now = timezone.now()
    delivered: list[tuple[int, int]] = []
    # One language switch per language in the batch, not one per person.
    by_language: dict[str, list[DigestRun]] = defaultdict(list)
    for run in runs:
        by_language[languages.get(run.user_id, city.default_language)].append(run)
    try:
        for language, group in by_language.items():
            with translation.override(language):
                subject = _subject(run_period=period, city_name=mailer.city.name)
                for run in group:
                    items = waiting.get(run.user_id, [])
                    if not items or not run.user.is_active or not run.user.email:
                        run.state = DigestRun.State.EMPTY
                        outcome.skipped += 1
                        continue
                    run.attempts += 1
                    try:
                        mailer.send(_digest_message(mailer, run, items, language, subject))
                    except Exception as error:  # noqa: BLE001 - recorded on the run
                        run.last_error = describe(error)
                        if is_transient(error) and run.attempts < max_attempts():
                            outcome.retry += 1
                        else:
                            run.state = DigestRun.State.FAILED
                            outcome.failed += 1
                        continue
                    run.state, run.sent_at, run.last_error = DigestRun.State.SENT, now, ""
                    run.notification_count = len(items)
                    delivered.extend((n.pk, run.pk) for n in items)
                    outcome.sent += 1
    finally:
        mailer.close()
    bulk_set(DigestRun, runs, ["state", "attempts", "last_error", "sent_at", "notification_count"])
    if delivered:
        # One statement for the whole batch (bulk_update would build a CASE
        # per row); row-level security still applies to it.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE notifications_notification AS n "
                "SET state = %s, sent_at = %s, digest_id = v.run_id "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(nid, run_id) "
                "WHERE n.id = v.nid AND n.state = %s",
                [
                    Notification.State.SENT,
                    now,
                    [nid for nid, _run in delivered],
                    [run_id for _nid, run_id in delivered],
                    Notification.State.DIGEST,
                ],
            )
    return outcome


def _subject(*, run_period: str, city_name: str) -> str:
    """The digest's subject in the active language."""
    if run_period == Channel.DAILY:
        return _("Your daily summary from %(city)s") % {"city": city_name}
    return _("Your weekly summary from %(city)s") % {"city": city_name}


def _digest_message(
    mailer: Mailer, run: DigestRun, items: list[Notification], language: str, subject: str
) -> EmailMultiAlternatives:
    """One person's digest; call inside ``translation.override(language)``."""
    entries = []
    for notification in items[:MAX_ITEMS]:
        kind = kind_or_unknown(notification.kind)
        entries.append(
            {
                "summary": kind.text(notification.payload),
                "details": kind.detail_items(notification.payload),
                "link": mailer.url(kind.link(notification)),
                "created_at": notification.created_at,
            }
        )
    return mailer.message(
        to=run.user.email,
        user_id=run.user_id,
        language=language,
        template="digest",
        subject=subject,
        unsubscribe_kind=f"{DIGEST_KIND_PREFIX}{run.period}",
        context={
            "period": run.period,
            "entries": entries,
            "more": max(len(items) - MAX_ITEMS, 0),
        },
    )
