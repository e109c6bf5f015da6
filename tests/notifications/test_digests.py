"""Digests: one email per person per period, never two."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail

from civicideas.accounts.models import Profile
from civicideas.notifications import digests, tasks
from civicideas.notifications.models import Channel, DigestRun, Notification
from civicideas.tenancy.context import city_context
from tests.conftest import make_member
from tests.notifications.backends import ScriptedBackend
from tests.notifications.conftest import add_notification, reload

pytestmark = pytest.mark.django_db

WAITING = {"state": Notification.State.DIGEST, "channel": Channel.DAILY}


def build(city, user_ids, key="2026-11-27", period=Channel.DAILY):
    with city_context(city):
        return digests.build_digests(period=period, key=key, user_ids=user_ids)


def test_period_keys_start_at_the_digest_hour(settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 6
    before = dt.datetime(2026, 11, 30, 5, 59, tzinfo=dt.UTC)  # a Monday
    after = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    assert digests.period_key(Channel.DAILY, before) == "2026-11-29"
    assert digests.period_key(Channel.DAILY, after) == "2026-11-30"
    assert digests.period_key(Channel.WEEKLY, before) == "2026-W48"
    assert digests.period_key(Channel.WEEKLY, after) == "2026-W49"


def test_one_digest_per_person_listing_their_items(city):
    ana = make_member(city, email="ana@example.org")
    bob = make_member(city, email="bob@example.org")
    a1 = add_notification(city, ana, "idea_commented", payload={"title": "Trees"}, **WAITING)
    a2 = add_notification(city, ana, "comment_replied", payload={"title": "Bikes"}, **WAITING)
    b1 = add_notification(city, bob, "idea_commented", payload={"title": "Lights"}, **WAITING)
    weekly = add_notification(
        city, bob, "challenge_opened", state=Notification.State.DIGEST, channel=Channel.WEEKLY
    )

    outcome = build(city, [ana.pk, bob.pk])

    assert outcome.sent == 2
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {"ana@example.org", "bob@example.org"}
    assert "Trees" in by_person["ana@example.org"].body
    assert "Bikes" in by_person["ana@example.org"].body
    assert "Lights" not in by_person["ana@example.org"].body
    assert "daily" in by_person["ana@example.org"].subject.lower()
    unsubscribe = by_person["ana@example.org"].extra_headers["List-Unsubscribe"]
    assert "/notifications/unsubscribe/" in unsubscribe
    for n in (a1, a2, b1):
        row = reload(city, n)
        assert row.state == Notification.State.SENT and row.digest_id is not None
    assert reload(city, weekly).state == Notification.State.DIGEST


def test_running_twice_sends_nothing_more(city):
    ana = make_member(city, email="ana@example.org")
    add_notification(city, ana, "idea_commented", **WAITING)
    build(city, [ana.pk])
    # Something new arrives after today's digest: it waits for tomorrow's.
    late = add_notification(city, ana, "idea_commented", **WAITING)
    again = build(city, [ana.pk])
    assert (again.sent, again.refused) == (0, 1)
    assert len(mail.outbox) == 1
    assert reload(city, late).state == Notification.State.DIGEST
    build(city, [ana.pk], key="2026-11-28")
    assert len(mail.outbox) == 2
    with city_context(city):
        assert DigestRun.objects.filter(user=ana).count() == 2


def test_user_text_in_digest_is_escaped(city):
    ana = make_member(city, email="ana@example.org")
    title = "<script>alert(1)</script>"
    add_notification(city, ana, "idea_commented", payload={"title": title}, **WAITING)
    build(city, [ana.pk])
    message = mail.outbox[0]
    assert "<script>" not in message.alternatives[0].content
    assert "&lt;script&gt;" in message.alternatives[0].content
    assert title in message.body


def test_temporary_error_keeps_the_run_pending_for_the_next_hour(city, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.backends.ScriptedBackend"}}
    ScriptedBackend.script = [smtplib.SMTPServerDisconnected("lost")]
    ana = make_member(city, email="ana@example.org")
    n = add_notification(city, ana, "idea_commented", **WAITING)
    assert build(city, [ana.pk]).retry == 1
    assert reload(city, n).state == Notification.State.DIGEST
    assert build(city, [ana.pk]).sent == 1
    assert len(mail.outbox) == 1
    with city_context(city):
        run = DigestRun.objects.get()
    assert (run.state, run.attempts, run.notification_count) == (DigestRun.State.SENT, 2, 1)


def test_people_of_another_city_get_nothing_here(city, other_city):
    ana = make_member(other_city, email="ana@example.org")
    add_notification(other_city, ana, "idea_commented", **WAITING)
    assert build(city, [ana.pk]).sent == 0
    assert mail.outbox == []


def test_beat_task_queues_each_city_and_batches(city, other_city, published):
    ana = make_member(city, email="ana@example.org")
    add_notification(city, ana, "idea_commented", **WAITING)
    tasks.send_digests.run()
    assert published.names().count("notifications.digest_city") == 4  # 2 cities x 2 periods
    published.calls.clear()
    with city_context(city):
        tasks.digest_city.run.__wrapped__("daily", "2026-11-27")
    assert published.calls == [
        ("notifications.digest_batch", (city.pk, "daily", "2026-11-27", [ana.pk]), {})
    ]


def test_one_batch_in_several_languages(city):
    ana = make_member(city, email="ana@example.org")
    bram = make_member(city, email="bram@example.org")
    with city_context(city):
        Profile.objects.create(city=city, user=bram, display_name="B", preferred_language="nl")
    for person in (ana, bram):
        add_notification(city, person, "idea_commented", payload={"title": "Trees"}, **WAITING)

    assert build(city, [ana.pk, bram.pk]).sent == 2

    by_to = {m.to[0]: m for m in mail.outbox}
    english, dutch = by_to["ana@example.org"], by_to["bram@example.org"]
    assert english.subject == "Your daily summary from Riverton"
    assert dutch.subject == "Uw dagelijks overzicht van Riverton"
    assert "Afmelden voor deze e-mails" in dutch.alternatives[0].content
    assert "Unsubscribe from these emails" in english.alternatives[0].content
    for message in (english, dutch):
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert link in message.body and f'href="{link}"' in message.alternatives[0].content
    assert english.extra_headers["List-Unsubscribe"] != dutch.extra_headers["List-Unsubscribe"]


def test_send_digests_command_sends_now_and_only_once(city, other_city):
    from io import StringIO

    from django.core.management import call_command

    ana = make_member(city, email="ana@example.org")
    add_notification(city, ana, "idea_commented", payload={"title": "Trees"}, **WAITING)
    add_notification(
        city,
        ana,
        "challenge_opened",
        payload={"title": "Parks"},
        state=Notification.State.DIGEST,
        channel=Channel.WEEKLY,
    )
    out = StringIO()
    call_command("send_digests", "--city", "riverton", stdout=out)
    assert "riverton: 1 daily digest(s) sent" in out.getvalue()
    assert "riverton: 1 weekly digest(s) sent" in out.getvalue()
    subjects = sorted(m.subject.lower() for m in mail.outbox)
    assert len(subjects) == 2
    assert "daily" in subjects[0] and "weekly" in subjects[1]
    call_command("send_digests", stdout=StringIO())
    assert len(mail.outbox) == 2  # the same periods: nothing more


def test_send_digests_command_refuses_an_unknown_city(city):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No active city"):
        call_command("send_digests", "--city", "atlantis")
