"""Due-soon reminders to evaluators: one per evaluator and challenge, with
the number of evaluations left; exactly once, re-armed by a new due date,
never crossing cities; the beat task reaches every active city."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from civicideas.notifications import tasks as notification_tasks
from civicideas.notifications.kinds import KINDS
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from evaluation import reminders, services, tasks
from evaluation.models import Assignment, ChallengeEvaluation
from ideas.models import Challenge
from tests.evaluation.factories import AssignmentFactory
from tests.factories import CityFactory
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 5, 31, 12, 0, tzinfo=UTC)
DUE = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)  # 22 hours after NOW
KIND = "evaluation_due_soon"


def set_due(city, settings, due) -> None:
    with city_context(city):
        ChallengeEvaluation.objects.filter(pk=settings.pk).update(due_date=due)


def submit(w, assignment) -> None:
    with city_context(w.riverton):
        services.scorecard_submit(
            assignment=assignment,
            by=assignment.evaluator,
            scores=w.full_scores(),
            recommendation="accept",
        )


def reminders_in(city) -> dict[int, dict]:
    """{recipient id: payload} of the city's due-soon reminders (one each, or fail)."""
    with city_context(city):
        rows = list(Notification.objects.filter(kind=KIND).order_by("pk"))
    payloads = {row.recipient_id: row.payload for row in rows}
    assert len(payloads) == len(rows), "someone was reminded twice"
    return payloads


def send(city, **kwargs) -> int:
    kwargs.setdefault("now", NOW)
    with city_context(city):
        return reminders.due_reminders_send(**kwargs)


@pytest.fixture
def workload(world):
    """evaluators[1]: four ideas, one submitted; [2]: two open; [3]: all submitted."""
    w = world
    one = [w.assign(idea, w.evaluators[1]) for idea in w.ideas[:4]]
    submit(w, one[0])
    for idea in w.ideas[:2]:
        w.assign(idea, w.evaluators[2])
    submit(w, w.assign(w.ideas[4], w.evaluators[3]))
    set_due(w.riverton, w.settings, DUE)
    return w


# --- who is reminded, and of what -------------------------------------------------------


def test_one_reminder_per_evaluator_and_challenge_with_what_is_left(workload):
    w = workload
    assert send(w.riverton) == 2
    sent = reminders_in(w.riverton)
    assert set(sent) == {w.evaluators[1].pk, w.evaluators[2].pk}  # [3] submitted everything
    assert sent[w.evaluators[1].pk]["left"] == 3  # the submitted one is not counted
    assert sent[w.evaluators[2].pk]["left"] == 2
    payload = sent[w.evaluators[1].pk]
    assert payload["title"] == "Greener Riverton"
    assert payload["challenge"] == w.challenge.pk
    # In the city's time zone (Riverton's is Europe/Brussels: UTC+2 in June).
    assert w.riverton.time_zone == "Europe/Brussels"
    assert payload["due"] == "2030-06-01 12:00 CEST"
    with city_context(w.riverton):
        row = Notification.objects.filter(kind=KIND).first()
        assert row.subject_ref == f"ideas.challenge:{w.challenge.pk}"
        open_ids = set(
            Assignment.objects.filter(due_reminder_sent_at__isnull=False).values_list(
                "pk", flat=True
            )
        )
        assert open_ids == set(
            Assignment.objects.exclude(scorecard__state="submitted").values_list("pk", flat=True)
        )


def test_ideas_already_decided_are_not_counted(workload):
    w = workload
    with city_context(w.riverton):
        services.decision_take(
            idea=w.ideas[0], by=w.admin, decision="accept", message="Yes, we will."
        )
        services.decision_take(idea=w.ideas[1], by=w.admin, decision="reject", message="Not here.")
    assert send(w.riverton) == 1
    sent = reminders_in(w.riverton)
    # [2]'s two ideas are decided; [1] still has ideas 3 and 4 open.
    assert set(sent) == {w.evaluators[1].pk}
    assert sent[w.evaluators[1].pk]["left"] == 2


def test_many_ideas_make_one_reminder(world):
    w = world
    with city_context(w.riverton):
        ideas = [IdeaFactory(challenge=w.challenge) for _ in range(30)]
    for idea in ideas:
        w.assign(idea, w.evaluators[1])
    set_due(w.riverton, w.settings, DUE)
    assert send(w.riverton) == 1
    assert reminders_in(w.riverton)[w.evaluators[1].pk]["left"] == 30


def test_reminder_text_and_link_read_the_payload(workload):
    w = workload
    send(w.riverton)
    with city_context(w.riverton):
        row = Notification.objects.get(kind=KIND, recipient=w.evaluators[1])
    kind = KINDS[KIND]
    text = kind.text(row.payload)
    assert text == (
        "Your evaluations for “Greener Riverton” are due on 2030-06-01 12:00 CEST (3 left)."
    )
    assert kind.subject(row.payload) == text
    link = kind.link(row)
    assert link == (
        f"/admin/evaluation/assignment/?challenge__id__exact={w.challenge.pk}&progress=open"
    )
    # The link opens the evaluator's own open work in that challenge.
    page = w.client(w.evaluators[1]).get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert all(f"Riverton idea {i}" in body for i in (1, 2, 3))
    assert "Riverton idea 0" not in body  # submitted


@pytest.mark.parametrize(
    "due",
    [
        None,
        NOW - timedelta(hours=1),  # already past
        NOW,  # due this very moment: too late to remind
        NOW + timedelta(hours=48, seconds=1),  # not yet
        NOW + timedelta(days=30),
    ],
)
def test_nothing_when_due_date_is_missing_past_or_far(workload, due):
    w = workload
    set_due(w.riverton, w.settings, due)
    assert send(w.riverton) == 0
    assert reminders_in(w.riverton) == {}
    with city_context(w.riverton):
        assert not Assignment.objects.filter(due_reminder_sent_at__isnull=False).exists()


def test_the_window_edge_is_included(workload):
    set_due(workload.riverton, workload.settings, NOW + timedelta(hours=48))
    assert send(workload.riverton) == 2


def test_nothing_when_challenge_left_its_evaluation_phase(workload):
    w = workload
    with city_context(w.riverton):
        Challenge.objects.filter(pk=w.challenge.pk).update(phase=Challenge.Phase.CLOSED)
    assert send(w.riverton) == 0


# --- exactly once ----------------------------------------------------------------------


def test_running_twice_reminds_once(workload):
    w = workload
    assert send(w.riverton) == 2
    assert send(w.riverton) == 0
    assert send(w.riverton, now=NOW + timedelta(hours=1)) == 0
    assert len(reminders_in(w.riverton)) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_remind_once(world, monkeypatch):
    w = world
    monkeypatch.setattr(notification_tasks, "enqueue", lambda city_id, ids: True)  # no broker here
    for idea in w.ideas[:3]:
        w.assign(idea, w.evaluators[1])
    w.assign(w.ideas[0], w.evaluators[2])
    set_due(w.riverton, w.settings, DUE)
    barrier = threading.Barrier(2)

    def run(_i: int) -> int:
        try:
            barrier.wait()
            return send(w.riverton)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(run, range(2)))
    assert results == [0, 2]
    sent = reminders_in(w.riverton)
    assert {k: v["left"] for k, v in sent.items()} == {
        w.evaluators[1].pk: 3,
        w.evaluators[2].pk: 1,
    }


def test_new_due_date_rearms_the_reminder(workload):
    w = workload
    assert send(w.riverton) == 2
    # Saved without touching the due date: nothing re-armed.
    with city_context(w.riverton):
        settings = ChallengeEvaluation.objects.get(pk=w.settings.pk)
        services.challenge_evaluation_save(settings=settings, by=w.admin, changed=["blind_review"])
    assert send(w.riverton) == 0
    later = DUE + timedelta(days=7)
    with city_context(w.riverton):
        settings.due_date = later
        services.challenge_evaluation_save(settings=settings, by=w.admin, changed=["due_date"])
        assert not Assignment.objects.filter(due_reminder_sent_at__isnull=False).exists()
    assert send(w.riverton) == 0  # the new date is not close yet
    assert send(w.riverton, now=later - timedelta(hours=5)) == 2
    with city_context(w.riverton):
        dues = sorted(
            Notification.objects.filter(kind=KIND, recipient=w.evaluators[1]).values_list(
                "payload__due", flat=True
            )
        )
    assert dues == ["2030-06-01 12:00 CEST", "2030-06-08 12:00 CEST"]


def test_reassigned_work_is_reminded_to_the_new_evaluator(workload):
    w = workload
    send(w.riverton)
    with city_context(w.riverton):
        assignment = Assignment.objects.get(idea=w.ideas[3], evaluator=w.evaluators[1])
        services.assignment_reassign(assignment=assignment, to=w.evaluators[3], by=w.admin)
    assert send(w.riverton) == 1
    with city_context(w.riverton):
        row = Notification.objects.get(kind=KIND, recipient=w.evaluators[3])
    assert row.payload["left"] == 1


def test_reopened_scorecard_is_reminded(workload):
    w = workload
    send(w.riverton)
    with city_context(w.riverton):
        scorecard = Assignment.objects.get(evaluator=w.evaluators[3]).scorecard
        services.scorecard_reopen(scorecard=scorecard, by=w.admin, reason="Check Impact")
    assert send(w.riverton) == 1
    assert reminders_in(w.riverton)[w.evaluators[3].pk]["left"] == 1


# --- cities ------------------------------------------------------------------------------


def _lakeside_open_work(w):
    with city_context(w.lakeside):
        assignment = AssignmentFactory(
            idea=IdeaFactory(challenge=w.lakeside_settings.challenge, title="Lakeside open"),
            evaluator=w.lakeside_evaluator,
        )
        ChallengeEvaluation.objects.filter(pk=w.lakeside_settings.pk).update(due_date=DUE)
    return assignment


def test_a_run_in_one_city_leaves_the_other_alone(workload):
    w = workload
    lakeside_assignment = _lakeside_open_work(w)
    assert send(w.riverton) == 2
    with city_context(w.lakeside):
        assert Assignment.objects.get(pk=lakeside_assignment.pk).due_reminder_sent_at is None
    assert reminders_in(w.lakeside) == {}
    assert send(w.lakeside) == 1
    assert set(reminders_in(w.lakeside)) == {w.lakeside_evaluator.pk}
    assert len(reminders_in(w.riverton)) == 2


def test_beat_task_queues_every_active_city(workload, monkeypatch):
    w = workload
    _lakeside_open_work(w)
    soon = timezone.now() + timedelta(hours=3)
    set_due(w.riverton, w.settings, soon)
    set_due(w.lakeside, w.lakeside_settings, soon)
    CityFactory(slug="dormant", name="Dormant", is_active=False)
    queued: list[int] = []

    def run_now(city_id: int) -> None:
        queued.append(city_id)
        tasks.due_reminders_city.apply(args=(city_id,), throw=True)

    monkeypatch.setattr(tasks.due_reminders_city, "delay", run_now)
    assert tasks.due_reminders.apply(throw=True).get() == 2
    assert sorted(queued) == sorted([w.riverton.pk, w.lakeside.pk])
    assert set(reminders_in(w.riverton)) == {w.evaluators[1].pk, w.evaluators[2].pk}
    assert set(reminders_in(w.lakeside)) == {w.lakeside_evaluator.pk}
    # The city task is idempotent too.
    assert tasks.due_reminders_city.apply(args=(w.riverton.pk,), throw=True).get() == 0


def test_beat_schedule_names_a_task_the_worker_discovers(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["evaluation-due-reminders"]
    assert entry["task"] == tasks.due_reminders.name == "evaluation.due_reminders"
    # A fresh process, as a worker starts: autodiscovery alone must register them.
    script = (
        "import django; django.setup(); from civicideas.celery import app; "
        "app.loader.import_default_modules(); "
        "print(sorted(n for n in app.tasks if n.startswith('evaluation.')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicideas.settings.test"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "'evaluation.due_reminders'" in out and "'evaluation.due_reminders_city'" in out
