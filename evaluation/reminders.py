"""Reminders to evaluators whose work on a challenge is due soon.

Celery beat runs ``evaluation.due_reminders`` hourly; it queues
``evaluation.due_reminders_city`` per active city, which calls
``due_reminders_send``. Each evaluator gets one ``evaluation_due_soon``
notification per challenge (not one per idea) saying how many of their
evaluations are still open and when they are due.

Exactly once: an assignment is claimed by one ``UPDATE ... WHERE
due_reminder_sent_at IS NULL ... RETURNING`` in the same transaction as the
notifications, so a second or concurrent run finds nothing left to claim
(Postgres re-checks the condition on the row a concurrent run just marked).
Changing a challenge's due date clears its marks (``due_reminders_rearm``),
so the new date gets its own reminder.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from evaluation import notifications as kinds
from evaluation.assignment import ASSIGNABLE_STATUSES
from evaluation.models import Assignment, ChallengeEvaluation, Scorecard
from ideas.models import Challenge, Idea

#: How long before the due date evaluators are reminded.
REMIND_WITHIN = timedelta(hours=48)


def due_text(due: datetime, tz: ZoneInfo) -> str:
    """The due date as the city reads it, in a form that needs no translation
    (the payload is written once and read in each recipient's language)."""
    return timezone.localtime(due, tz).strftime("%Y-%m-%d %H:%M %Z").strip()


_CLAIM_SQL = """
UPDATE {assignment} AS a
   SET due_reminder_sent_at = %s
 WHERE a.city_id = %s
   AND a.challenge_id = ANY(%s)
   AND a.due_reminder_sent_at IS NULL
   AND NOT EXISTS (
       SELECT 1 FROM {scorecard} AS s WHERE s.assignment_id = a.id AND s.state = %s
   )
   AND EXISTS (SELECT 1 FROM {idea} AS i WHERE i.id = a.idea_id AND i.status = ANY(%s))
RETURNING a.evaluator_id, a.challenge_id
"""


@transaction.atomic
def due_reminders_send(*, now: datetime | None = None, within: timedelta = REMIND_WITHIN) -> int:
    """Remind, in the current city, every evaluator with unsubmitted
    assignments (on ideas not decided yet) in a challenge (in its evaluation phase) due in
    ``(now, now + within]``. One notification per (evaluator, challenge);
    assignments already covered by a reminder are not reminded again.
    Returns how many notifications were written.

    The settings rows of the challenges concerned are locked first, so a
    due date changed by an admin at the same moment is either seen here or
    re-arms after this run commits, never lost in between.
    """
    now = now or timezone.now()
    city = current_city()
    evaluations = list(
        ChallengeEvaluation.objects.select_for_update(of=("self",))
        .filter(
            due_date__gt=now,
            due_date__lte=now + within,
            challenge__phase=Challenge.Phase.EVALUATION,
        )
        .select_related("challenge")
        .order_by("pk")
    )
    if not evaluations:
        return 0
    by_challenge = {e.challenge_id: e for e in evaluations}
    sql = _CLAIM_SQL.format(
        assignment=connection.ops.quote_name(Assignment._meta.db_table),
        scorecard=connection.ops.quote_name(Scorecard._meta.db_table),
        idea=connection.ops.quote_name(Idea._meta.db_table),
    )
    # Ideas the city already decided on need no more scores.
    undecided = [str(status) for status in ASSIGNABLE_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [now, city.pk, list(by_challenge), Scorecard.State.SUBMITTED, undecided]
        )
        claimed = {(evaluator_id, challenge_id) for evaluator_id, challenge_id in cursor.fetchall()}
    if not claimed:
        return 0
    # "Left" counts every open assignment of the pair, including any that an
    # earlier reminder already covered (e.g. one assigned after it).
    open_counts = (
        Assignment.objects.filter(
            challenge_id__in={c for _e, c in claimed},
            evaluator_id__in={e for e, _c in claimed},
        )
        .filter(~Q(scorecard__state=Scorecard.State.SUBMITTED), idea__status__in=undecided)
        .values_list("evaluator_id", "challenge_id")
        .annotate(left=Count("pk"))
    )
    recipients: dict[tuple[int, int], list[int]] = defaultdict(list)
    for evaluator_id, challenge_id, left in open_counts:
        if (evaluator_id, challenge_id) in claimed:
            recipients[(challenge_id, left)].append(evaluator_id)
    tz = city.zoneinfo
    written = 0
    for (challenge_id, left), evaluator_ids in sorted(recipients.items()):
        evaluation = by_challenge[challenge_id]
        challenge = evaluation.challenge
        written += notify(
            recipient_ids=sorted(evaluator_ids),
            kind=kinds.EVALUATION_DUE_SOON,
            about=challenge,
            payload={
                "challenge": challenge.pk,
                "title": challenge.title,
                "left": left,
                "due": due_text(evaluation.due_date, tz),
                "due_at": evaluation.due_date.isoformat(),
            },
        )
    return written


def due_reminders_rearm(*, challenge_id: int) -> int:
    """Forget which assignments of a challenge were reminded, so the next
    run reminds about the new due date. Call inside the change's transaction."""
    return Assignment.objects.filter(
        challenge_id=challenge_id, due_reminder_sent_at__isnull=False
    ).update(due_reminder_sent_at=None)
