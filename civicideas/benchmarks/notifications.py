"""Notification benchmark: fan-out, delivery throughput, digests at scale.

``run(stdout)`` seeds a throw-away city ("bench-notifications") with its own
people, measures, prints a table and removes what it created. It measures
the code paths of the tasks (``city_task`` bodies, in two forked worker
processes), not the broker round trip: a chunk of 100 ids is one small
Redis message, negligible next to rendering and sending 100 emails.

* fan-out: ``notify`` to 50,000 supporters inside one transaction (what
  ``idea_set_status`` does), i.e. rows created in batches of 2,000;
* challenge opened: ``ideas.follows.challenge_announce`` to 50,000
  followers (half the city, half a category): the audience query, then the
  same fan-out;
* delivery: 10,000 immediate notifications delivered by two processes in
  chunks of 100, to a backend that renders each message to MIME bytes and
  drops it (what locmem does, without keeping 10,000 messages in memory);
* digest: one daily digest each for 100,000 people, two processes, batches
  of 500.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections
from django.test.utils import override_settings

from civicideas.notifications import digests, outbox, tasks
from civicideas.notifications.models import Channel, Notification
from civicideas.tenancy.context import all_cities_context, city_context
from civicideas.tenancy.models import City, Domain
from ideas import notifications as kinds

SLUG = "bench-notifications"
EMAIL_DOMAIN = "bench-notifications.invalid"
FAN_OUT = 50_000
DELIVERIES = 10_000
DIGEST_PEOPLE = 100_000
WORKERS = 2


class RenderingBackend(BaseEmailBackend):
    """Builds each message's MIME bytes, as a real backend must, then drops it."""

    def send_messages(self, messages: Sequence[Any]) -> int:
        for message in messages:
            message.message().as_bytes()
        return len(messages)


MAILERS = {"default": {"BACKEND": "civicideas.benchmarks.notifications.RenderingBackend"}}


def _city() -> City:
    city, _created = City.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench Notifications", "country": "BE"}
    )
    with city_context(city):
        Domain.objects.get_or_create(
            hostname=f"{SLUG}.localhost", defaults={"city": city, "is_primary": True}
        )
    return city


def _people(count: int) -> list[int]:
    user_model = get_user_model()
    existing = user_model.objects.filter(email__startswith="bench-", email__endswith=EMAIL_DOMAIN)
    have = existing.count()
    if have < count:
        user_model.objects.bulk_create(
            [
                user_model(email=f"bench-{i}@{EMAIL_DOMAIN}", password="!")  # noqa: S106 - unusable password
                for i in range(have, count)
            ],
            batch_size=5_000,
        )
    return list(existing.order_by("pk").values_list("pk", flat=True)[:count])


def _in_processes(work: Callable[[list[list[int]]], None], chunks: list[list[int]]) -> float:
    """Split chunks between WORKERS forked processes; wall-clock seconds."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    shares = [chunks[i::WORKERS] for i in range(WORKERS)]
    started = time.perf_counter()
    processes = [context.Process(target=work, args=(share,)) for share in shares]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    if any(process.exitcode for process in processes):
        raise RuntimeError("A benchmark worker process failed.")
    return elapsed


def _deliver_share(city_id: int, share: list[list[int]]) -> None:
    with override_settings(MAILERS=MAILERS):
        for chunk in share:
            tasks.deliver_notifications.run(city_id, chunk)
    connections.close_all()


def _digest_share(city_id: int, key: str, share: list[list[int]]) -> None:
    with override_settings(MAILERS=MAILERS):
        for chunk in share:
            tasks.digest_batch.run(city_id, Channel.DAILY, key, chunk)
    connections.close_all()


def _insert_digest_rows(city: City, user_ids: list[int]) -> None:
    with city_context(city), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_notification (city_id, recipient_id, kind, subject_ref, "
            "payload, state, channel, attempts, last_error, created_at, due_at) "
            "SELECT %s, uid, 'idea_commented', '', jsonb_build_object('title', 'Idea ' || uid), "
            "'digest', 'daily', 0, '', now(), now() FROM unnest(%s::bigint[]) AS uid",
            [city.pk, user_ids],
        )


def _announce(city: City, user_ids: list[int]) -> tuple[int, float]:
    """Half the people follow the city, half the challenge's category; time
    ``challenge_announce`` (audience query and rows), queueing stubbed out.
    The ideas app owns the rule; this suite measures its outbox path."""
    from ideas.follows import challenge_announce
    from ideas.models import Category, Challenge, Follow

    half = len(user_ids) // 2
    with city_context(city):
        category = Category.objects.create(city=city, name="Bench", slug="bench")
        Follow.objects.bulk_create(
            [Follow(city=city, user_id=uid) for uid in user_ids[:half]]
            + [Follow(city=city, user_id=uid, category=category) for uid in user_ids[half:]],
            batch_size=5_000,
        )
    enqueue, tasks.enqueue = tasks.enqueue, lambda city_id, ids: True
    try:
        with city_context(city):
            challenge = Challenge.objects.create(
                city=city, title="Bench challenge", slug="bench", phase=Challenge.Phase.IDEAS
            )
            challenge.categories.set([category])
            started = time.perf_counter()
            told = challenge_announce(challenge=challenge)
            seconds = time.perf_counter() - started
            Notification.objects.all().delete()
    finally:
        tasks.enqueue = enqueue
    return told, seconds


def _cleanup(city: City) -> None:
    # Users' tenant rows (memberships, profiles...) are cleared with the city;
    # deleting users cascades into tenant tables, so it needs every city too.
    with all_cities_context():
        Notification.objects.filter(city=city).delete()
        city.delete()
        get_user_model().objects.filter(
            email__startswith="bench-", email__endswith=EMAIL_DOMAIN
        ).delete()


def run(stdout: Any, *, scale: float = 1.0) -> list[tuple[str, str, str]]:
    """Run the three measurements and print a table; ``scale`` shrinks them for tests."""
    fan_out, deliveries, people = (
        int(FAN_OUT * scale),
        int(DELIVERIES * scale),
        int(DIGEST_PEOPLE * scale),
    )
    city = _city()
    rows: list[tuple[str, str, str]] = []
    try:
        user_ids = _people(max(fan_out, deliveries, people))

        # 1. Fan-out: rows written in the change's transaction.
        enqueue, tasks.enqueue = tasks.enqueue, lambda city_id, ids: True
        try:
            with city_context(city):
                started = time.perf_counter()
                outbox.notify(
                    recipient_ids=user_ids[:fan_out],
                    kind=kinds.IDEA_STATUS_CHANGED,
                    payload={"title": "Bench idea", "status": "accepted", "message": "Yes"},
                )
                fan_out_seconds = time.perf_counter() - started
        finally:
            tasks.enqueue = enqueue
        rows.append(
            (f"fan-out to {fan_out:,} supporters", f"{fan_out_seconds:.2f} s", "target < 10 s")
        )
        with city_context(city):
            Notification.objects.all().delete()

        # 1b. A challenge opens: the followers' query, then the same fan-out.
        told, announce_seconds = _announce(city, user_ids[:fan_out])
        rows.append(
            (
                f"challenge opened, {told:,} followers",
                f"{announce_seconds:.2f} s",
                "target < 10 s",
            )
        )

        # 2. Delivery throughput, immediate kind, two processes.
        with city_context(city):
            created = Notification.objects.bulk_create(
                [
                    Notification(
                        city=city,
                        recipient_id=uid,
                        kind=kinds.IDEA_PUBLISHED.key,
                        payload={"title": f"Idea {uid}", "idea": 1},
                    )
                    for uid in user_ids[:deliveries]
                ],
                batch_size=2_000,
            )
        ids = [n.pk for n in created]
        chunks = list(tasks.chunks(ids))
        seconds = _in_processes(lambda share: _deliver_share(city.pk, share), chunks)
        with city_context(city):
            sent = Notification.objects.filter(state=Notification.State.SENT).count()
            Notification.objects.all().delete()
        rows.append(
            (
                f"delivery of {deliveries:,} emails, {WORKERS} workers",
                f"{sent / seconds:,.0f} emails/s ({seconds:.1f} s, {sent:,} sent)",
                "target >= 500/s",
            )
        )

        # 3. Daily digest for `people` people.
        _insert_digest_rows(city, user_ids[:people])
        key = digests.period_key(Channel.DAILY)
        started = time.perf_counter()
        with city_context(city):
            batches = digests.waiting_batches(Channel.DAILY)
        _in_processes(lambda share: _digest_share(city.pk, key, share), batches)
        seconds = time.perf_counter() - started
        with city_context(city):
            sent = Notification.objects.filter(state=Notification.State.SENT).count()
        rows.append(
            (
                f"daily digest for {people:,} people, {WORKERS} workers",
                f"{seconds:.1f} s ({sent:,} digested)",
                "target < 120 s",
            )
        )
    finally:
        _cleanup(city)
    width = max(len(r[0]) for r in rows)
    stdout.write("notifications")
    for name, value, target in rows:
        stdout.write(f"  {name:<{width}}  {value}  ({target})")
    return rows
