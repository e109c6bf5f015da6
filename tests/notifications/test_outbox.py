"""The outbox: rows in the change's transaction, queued after commit in
chunks, never failing the request, swept when a message was lost."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from civicideas.notifications import outbox, tasks
from civicideas.notifications.models import Notification
from civicideas.tenancy.context import city_context
from ideas import notifications as kinds
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.notifications.conftest import add_notification, reload

pytestmark = pytest.mark.django_db


def test_notify_needs_a_city(city):
    person = make_member(city)
    with pytest.raises(RuntimeError, match="city_context"):
        outbox.notify(recipient_ids=[person.pk], kind=kinds.IDEA_PUBLISHED)


def test_small_audience_is_one_delivery_message_after_commit(
    city, published, django_capture_on_commit_callbacks
):
    people = [make_member(city, email=f"s{i}@example.org") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        count = outbox.notify(
            recipient_ids=[p.pk for p in people] + [people[0].pk], kind=kinds.IDEA_PUBLISHED
        )
        assert published.calls == []  # nothing before commit
    assert count == 3
    ((name, (city_id, ids), _options),) = published.calls
    assert (name, city_id, len(ids)) == ("notifications.deliver", city.pk, 3)


def test_rolled_back_change_queues_nothing(city, published, django_capture_on_commit_callbacks):
    person = make_member(city)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        city_context(city),
        transaction.atomic(),
    ):
        outbox.notify(recipient_ids=[person.pk], kind=kinds.IDEA_PUBLISHED)
        1 / 0  # noqa: B018
    assert published.calls == []
    with city_context(city):
        assert not Notification.objects.exists()


def test_large_audience_is_one_fan_out_message_then_chunks(
    city, published, django_capture_on_commit_callbacks
):
    people = UserFactory.create_batch(tasks.CHUNK_SIZE * 2 + 5)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        outbox.notify(recipient_ids=[p.pk for p in people], kind=kinds.IDEA_STATUS_CHANGED)
    ((name, (_city_id, first, last), _options),) = published.calls
    assert name == "notifications.fan_out"

    published.calls.clear()
    with city_context(city):
        tasks.fan_out_notifications.run.__wrapped__(first, last)
    assert published.names() == ["notifications.deliver"] * 3
    sizes = [len(args[1]) for _name, args, _options in published.calls]
    assert sizes == [tasks.CHUNK_SIZE, tasks.CHUNK_SIZE, 5]


def test_broker_down_leaves_rows_pending_and_the_request_unharmed(
    city, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr(tasks.deliver_notifications, "apply_async", broker_down)
    person = make_member(city)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        outbox.notify(recipient_ids=[person.pk], kind=kinds.IDEA_PUBLISHED)
    assert "the sweep will retry" in caplog.text
    with city_context(city):
        assert Notification.objects.get().state == Notification.State.PENDING


def test_sweep_requeues_only_what_is_pending_and_overdue(city, published, settings):
    settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS = 60
    person = make_member(city)
    old = timezone.now() - timezone.timedelta(minutes=2)
    stale = add_notification(city, person, due_at=old)
    add_notification(city, person)  # fresh: its own message is still on its way
    add_notification(city, person, due_at=old, state=Notification.State.SENT)
    add_notification(city, person, due_at=old, state=Notification.State.FAILED)

    with city_context(city):
        tasks.sweep_city.run.__wrapped__()
    assert published.calls == [
        ("notifications.deliver", (city.pk, [stale.pk]), {"countdown": None})
    ]


def test_sweep_visits_every_active_city(city, other_city, published):
    tasks.sweep.run()
    assert sorted(args[0] for _n, args, _o in published.calls) == sorted([city.pk, other_city.pk])


def test_retry_service_moves_only_failed_rows(city, published, django_capture_on_commit_callbacks):
    person = make_member(city)
    failed = add_notification(
        city, person, state=Notification.State.FAILED, attempts=5, last_error="550"
    )
    sent = add_notification(city, person, state=Notification.State.SENT)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        assert outbox.notifications_retry(ids=[failed.pk, sent.pk]) == 1
    row = reload(city, failed)
    assert (row.state, row.attempts, row.last_error) == (Notification.State.PENDING, 0, "")
    assert reload(city, sent).state == Notification.State.SENT
    assert published.calls == [("notifications.deliver", (city.pk, [failed.pk]), {})]


def test_status_change_to_many_supporters_writes_rows_in_bulk(
    city, published, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """The official answer fan-out: rows in batches, one message, whatever the audience."""
    from ideas import services
    from ideas.models import Support
    from tests.ideas.factories import IdeaFactory

    admin = make_member(city, "city_admin")
    supporters = UserFactory.create_batch(300)
    with city_context(city):
        idea = IdeaFactory()
        Support.objects.bulk_create([Support(city=city, idea=idea, user=u) for u in supporters])
    with (
        django_capture_on_commit_callbacks(execute=True),
        city_context(city),
        django_assert_max_num_queries(40),
    ):
        services.idea_set_status(idea=idea, by=admin, status="accepted", message="Yes")
    assert published.names() == ["notifications.fan_out"]
    with city_context(city):
        assert Notification.objects.filter(kind="idea_status_changed").count() == 301
