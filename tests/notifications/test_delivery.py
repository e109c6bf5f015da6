"""Delivery: claim, preferences, rendering, retries, tenancy."""

from __future__ import annotations

import email
import email.policy
import smtplib
import threading
from email.utils import parseaddr

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from civicideas.accounts.models import Profile
from civicideas.notifications import tasks
from civicideas.notifications.delivery import backoff, is_transient
from civicideas.notifications.models import Channel, Notification, NotificationPreference
from civicideas.tenancy.context import city_context
from civicideas.tenancy.roles import Role
from tests.conftest import make_member
from tests.notifications.backends import ScriptedBackend
from tests.notifications.conftest import add_notification, deliver_in, reload

pytestmark = pytest.mark.django_db

State = Notification.State
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def person(city):
    return make_member(city, email="ana@example.org")


@pytest.fixture
def scripted(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.backends.ScriptedBackend"}}
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    ScriptedBackend.script = []
    yield ScriptedBackend
    ScriptedBackend.script = []


def test_immediate_kind_is_emailed_once_in_html_and_text(city, person):
    n = add_notification(city, person, "idea_published", payload={"title": "Benches", "idea": 7})

    outcome = deliver_in(city, [n.pk])
    again = deliver_in(city, [n.pk])

    assert (outcome.sent, again.sent, again.refused) == (1, 0, 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert "Benches" in message.subject
    html = message.alternatives[0].content
    assert "http://riverton.localhost/ideas/7/" in message.body
    assert 'href="http://riverton.localhost/ideas/7/"' in html
    n = reload(city, n)
    assert (n.state, n.channel, n.attempts) == (State.SENT, Channel.IMMEDIATELY, 1)
    assert n.sent_at is not None


def test_sender_is_the_city_reply_to_its_contact(city, person):
    n = add_notification(city, person)
    deliver_in(city, [n.pk])
    message = mail.outbox[0]
    name, address = parseaddr(message.from_email)
    assert name == "Riverton"
    assert address == "noreply@localhost"
    assert message.reply_to == ["contact@riverton.example"]
    assert "Riverton" in message.alternatives[0].content


def test_unsubscribe_headers_point_to_the_city_primary_domain(city, person):
    n = add_notification(city, person)
    deliver_in(city, [n.pk])
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"]
    assert link.startswith("<http://riverton.localhost/notifications/unsubscribe/")
    assert link.strip("<>") in mail.outbox[0].body


def test_user_text_is_escaped_in_html_and_verbatim_in_text(city, person):
    n = add_notification(
        city, person, "idea_hidden", payload={"title": XSS, "reason": f"Spam {XSS}", "idea": 3}
    )
    deliver_in(city, [n.pk])
    message = mail.outbox[0]
    html = message.alternatives[0].content
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert XSS in message.body
    assert f"Spam {XSS}" in message.body
    assert XSS in message.subject


def test_subject_never_breaks_headers(city, person):
    n = add_notification(city, person, payload={"title": "Evil\r\nBcc: victim@example.org"})
    deliver_in(city, [n.pk])
    assert "\n" not in mail.outbox[0].subject
    assert mail.outbox[0].bcc == []


def test_language_is_the_profile_choice_in_that_city(city, other_city):
    person = make_member(city, email="bilingual@example.org")
    make_member(other_city, email="bilingual@example.org")
    with city_context(city):
        Profile.objects.create(city=city, user=person, display_name="B", preferred_language="nl")
    riverton = add_notification(city, person, payload={"title": "Bankjes"})
    lakeside = add_notification(other_city, person, payload={"title": "Bancs"})

    deliver_in(city, [riverton.pk])
    deliver_in(other_city, [lakeside.pk])

    dutch, french = mail.outbox
    assert dutch.extra_headers["Content-Language"] == "nl"
    # No profile in Lakeside: the city's default language (French).
    assert french.extra_headers["Content-Language"] == "fr"
    assert "Lakeside" in parseaddr(french.from_email)[0]


def test_language_not_offered_by_the_city_falls_back_to_its_default(other_city):
    person = make_member(other_city, email="nl@example.org")
    with city_context(other_city):
        Profile.objects.create(
            city=other_city, user=person, display_name="N", preferred_language="nl"
        )
    n = add_notification(other_city, person)
    deliver_in(other_city, [n.pk])
    assert mail.outbox[0].extra_headers["Content-Language"] == "fr"


@pytest.mark.parametrize(
    ("channel", "state"),
    [
        (Channel.OFF, State.SKIPPED),
        (Channel.DAILY, State.DIGEST),
        (Channel.WEEKLY, State.DIGEST),
        (Channel.IMMEDIATELY, State.SENT),
    ],
)
def test_preference_decides_the_channel(city, person, channel, state):
    with city_context(city):
        NotificationPreference.objects.create(
            city=city, user=person, kind="idea_commented", channel=channel
        )
    n = add_notification(city, person, "idea_commented")
    deliver_in(city, [n.pk])
    n = reload(city, n)
    assert (n.state, n.channel) == (state, channel)
    assert len(mail.outbox) == (1 if state == State.SENT else 0)


def test_defaults_do_not_flood(city, person):
    comment = add_notification(city, person, "idea_commented")
    status = add_notification(city, person, "idea_status_changed", payload={"status": "accepted"})
    deliver_in(city, [comment.pk, status.pk])
    assert mail.outbox == []
    assert reload(city, comment).state == reload(city, status).state == State.DIGEST


def test_unknown_kind_and_inactive_recipient_are_not_emailed(city, person):
    unknown = add_notification(city, person, "no_such_kind")
    gone = make_member(city, email="gone@example.org")
    gone.is_active = False
    gone.save()
    inactive = add_notification(city, gone)
    deliver_in(city, [unknown.pk, inactive.pk])
    assert mail.outbox == []
    assert reload(city, unknown).state == reload(city, inactive).state == State.SKIPPED


def test_staff_kinds_reach_only_people_with_the_role(city):
    evaluator = make_member(city, Role.EVALUATOR, email="eva@example.org")
    citizen = make_member(city, email="cit@example.org")
    ok = add_notification(city, evaluator, "evaluator_assigned", payload={"title": "X"})
    refused = add_notification(city, citizen, "evaluator_assigned", payload={"title": "X"})
    deliver_in(city, [ok.pk, refused.pk])
    assert [m.to for m in mail.outbox] == [["eva@example.org"]]
    assert reload(city, refused).state == State.SKIPPED


def test_notification_of_another_city_is_refused(city, other_city):
    """A payload for city B processed while city A is current: nothing sent."""
    person = make_member(other_city, email="b@example.org")
    theirs = add_notification(other_city, person)

    outcome = deliver_in(city, [theirs.pk])

    assert (outcome.sent, outcome.refused) == (0, 1)
    assert mail.outbox == []
    assert reload(other_city, theirs).state == State.PENDING


def test_not_yet_due_retry_is_left_alone(city, person):
    n = add_notification(city, person, due_at=timezone.now() + timezone.timedelta(minutes=5))
    assert deliver_in(city, [n.pk]).sent == 0
    assert reload(city, n).state == State.PENDING


def test_temporary_errors_back_off_then_one_email(city, person, scripted, published):
    scripted.script = [
        smtplib.SMTPServerDisconnected("lost"),
        smtplib.SMTPResponseException(451, b"try later"),
    ]
    n = add_notification(city, person)

    first = deliver_in(city, [n.pk])
    row = reload(city, n)
    assert (first.retry, row.state, row.attempts) == (1, State.PENDING, 1)
    assert "SMTPServerDisconnected" in row.last_error
    assert row.due_at > timezone.now() + timezone.timedelta(seconds=25)

    with city_context(city):
        Notification.objects.filter(pk=n.pk).update(due_at=timezone.now())
    deliver_in(city, [n.pk])
    row = reload(city, n)
    assert (row.state, row.attempts) == (State.PENDING, 2)
    assert "451" in row.last_error

    with city_context(city):
        Notification.objects.filter(pk=n.pk).update(due_at=timezone.now())
    deliver_in(city, [n.pk])
    row = reload(city, n)
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 3, "")
    assert len(mail.outbox) == 1


def test_retry_messages_are_published_after_commit_with_backoff(
    city, person, scripted, published, django_capture_on_commit_callbacks
):
    scripted.script = [smtplib.SMTPConnectError(421, "busy")]
    n = add_notification(city, person)
    # deliver() reports the retry; the task that ran it queues it after commit.
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        counts = tasks.deliver_notifications.run.__wrapped__([n.pk])
    assert counts["retry"] == 1
    assert published.calls == [("notifications.deliver", (city.pk, [n.pk]), {"countdown": 30.0})]


def test_permanent_error_fails_at_once_with_the_error(city, person, scripted):
    scripted.script = [smtplib.SMTPRecipientsRefused({"ana@example.org": (550, b"no such user")})]
    n = add_notification(city, person)
    outcome = deliver_in(city, [n.pk])
    row = reload(city, n)
    assert (outcome.failed, row.state, row.attempts) == (1, State.FAILED, 1)
    assert "550" in row.last_error


def test_too_many_temporary_errors_fail(city, person, scripted, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    scripted.script = [ConnectionRefusedError("down"), ConnectionRefusedError("down")]
    n = add_notification(city, person)
    deliver_in(city, [n.pk])
    with city_context(city):
        Notification.objects.filter(pk=n.pk).update(due_at=timezone.now())
    deliver_in(city, [n.pk])
    row = reload(city, n)
    assert (row.state, row.attempts) == (State.FAILED, 2)
    assert "ConnectionRefusedError" in row.last_error


def test_one_failure_does_not_stop_the_chunk(city, scripted):
    people = [make_member(city, email=f"p{i}@example.org") for i in range(3)]
    rows = [add_notification(city, p) for p in people]
    scripted.script = [smtplib.SMTPDataError(554, b"rejected")]
    outcome = deliver_in(city, [r.pk for r in rows])
    assert (outcome.failed, outcome.sent) == (1, 2)
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected(), True),
        (smtplib.SMTPConnectError(554, "no"), True),
        (smtplib.SMTPResponseException(421, "busy"), True),
        (smtplib.SMTPResponseException(550, "no"), False),
        (smtplib.SMTPAuthenticationError(535, "bad"), False),
        (smtplib.SMTPRecipientsRefused({"a": (450, b"later")}), True),
        (smtplib.SMTPRecipientsRefused({"a": (550, b"no")}), False),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (ValueError("bug"), False),
    ],
)
def test_transient_classification(error, transient):
    assert is_transient(error) is transient


def test_backoff_is_exponential_and_capped(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    assert [backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == 3600


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_row_send_one_email(city, person):
    """While one worker holds the claim, another skips the row (SKIP LOCKED)."""
    n = add_notification(city, person)
    locked = threading.Event()
    release = threading.Event()

    def hold_the_lock():
        try:
            with city_context(city):
                list(Notification.objects.select_for_update().filter(pk=n.pk))
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        outcome = deliver_in(city, [n.pk])
        assert (outcome.sent, outcome.refused) == (0, 1)
    finally:
        release.set()
        holder.join()
    assert deliver_in(city, [n.pk]).sent == 1
    assert deliver_in(city, [n.pk]).sent == 0
    assert len(mail.outbox) == 1
    connection.close()


def test_mixed_languages_in_one_chunk_each_get_their_own_email(city):
    """The layout is rendered once per language and task; every recipient
    still gets their language and only their own unsubscribe link."""
    people = {}
    for language in ("nl", "fr", ""):
        person = make_member(city, email=f"lang-{language or 'default'}@example.org")
        with city_context(city):
            Profile.objects.create(
                city=city, user=person, display_name="P", preferred_language=language
            )
        people[language or "en"] = person
    rows = [add_notification(city, p, payload={"title": XSS, "idea": 4}) for p in people.values()]

    assert deliver_in(city, [r.pk for r in rows]).sent == 3

    footer = {
        "en": "Unsubscribe from these emails",
        "fr": "Se désabonner de ces e-mails",
        "nl": "Afmelden voor deze e-mails",
    }
    by_to = {m.to[0]: m for m in mail.outbox}
    links = set()
    for language, person in people.items():
        message = by_to[person.email]
        html = message.alternatives[0].content
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        links.add(link)
        assert message.extra_headers["Content-Language"] == language
        assert f'<html lang="{language}">' in html
        assert footer[language] in html and footer[language] in message.body
        for other in set(footer) - {language}:
            assert footer[other] not in message.body
        assert f'href="{link}"' in html and link in message.body
        assert html.count("/notifications/unsubscribe/") == 1
        assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    assert len(links) == 3


def test_messages_on_the_wire_carry_a_working_unsubscribe_header(city, person, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    n = add_notification(city, person)
    deliver_in(city, [n.pk])
    message = mail.outbox[0]
    raw = message.message().as_bytes()
    link = message.extra_headers["List-Unsubscribe"]
    # One line, the URL itself: not RFC 2047 words that providers do not decode.
    assert b"List-Unsubscribe: " + link.encode() + b"\n" in raw
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert abs((sent["Date"].datetime - timezone.now()).total_seconds()) < 60
    assert sent["Message-ID"] and sent["To"] == "ana@example.org"


def test_each_email_of_a_chunk_has_its_own_message_id(city):
    people = [make_member(city, email=f"m{i}@example.org") for i in range(3)]
    deliver_in(city, [add_notification(city, p).pk for p in people])
    ids = {m.message()["Message-ID"] for m in mail.outbox}
    assert len(ids) == 3
