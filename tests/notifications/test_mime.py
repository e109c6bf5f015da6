"""``NotificationEmail``: the standard library's bytes, built with less work."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from django.core.mail import EmailMultiAlternatives

from civicideas.notifications import mime
from civicideas.notifications.mime import NotificationEmail

UNSUBSCRIBE = (
    "<http://riverton.localhost/notifications/unsubscribe/"
    "eyJ1IjoxMjMsImMiOjEsImsiOiJpZGVhX3B1Ymxpc2hlZCJ9:1vKxAb:abcdefghijklmnopqrstuvwxyz012/>"
)
HOSTILE = [
    # (subject, text, html, sender name)
    ("Votre idée “Bancs” est publiée.", "Bonjour,\nvoilà.\n", "<p>voilà</p>", "Rivèrton"),
    ("x" * 200, "long line " * 40, "<p>" + "é" * 500 + "</p>", 'Quote " and, comma'),
    ("<img src=x onerror=alert(1)>", "=?utf-8?q?not_a_word?=\n", "<b>&lt;</b>", "Plain"),
    ("日本語の件名 " * 8, "--==============0==\nfake boundary line\n", "\u202e rtl", "東京"),
]


def pair(cls, subject, text, html, name, i=0):
    message = cls(
        subject=subject,
        body=text,
        from_email=f'"{name}" <noreply@localhost>',
        to=[f"person-{i}@example.org"],
        reply_to=["contact@riverton.example"],
        headers={
            "Date": "Fri, 27 Nov 2026 06:00:00 +0000",
            "Message-ID": f"<fixed.{i}@localhost>",
            "List-Unsubscribe": UNSUBSCRIBE,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": "fr",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def normalised(raw: bytes) -> bytes:
    """Boundaries are random; the List-Unsubscribe header is compared apart."""
    boundary = re.search(rb'boundary="([^"]+)"', raw).group(1)
    raw = raw.replace(boundary, b"BOUNDARY")
    return re.sub(rb"List-Unsubscribe: .*?\r?\n(?=\S)", b"", raw, flags=re.S)


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.SMTP])
@pytest.mark.parametrize(("subject", "text", "html", "name"), HOSTILE)
def test_same_bytes_as_the_standard_library(policy, subject, text, html, name):
    for i in range(3):  # later rounds read the caches
        plain = pair(EmailMultiAlternatives, subject, text, html, name, i)
        fast = pair(NotificationEmail, subject, text, html, name, i)
        expected = plain.message(policy=policy).as_bytes()
        got = fast.message(policy=policy).as_bytes()
        assert normalised(got) == normalised(expected)


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.SMTP])
def test_list_unsubscribe_is_a_plain_url_on_the_wire(policy):
    raw = pair(NotificationEmail, *HOSTILE[0]).message(policy=policy).as_bytes()
    linesep = policy.linesep.encode()
    assert b"List-Unsubscribe: " + UNSUBSCRIBE.encode() + linesep in raw
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" + linesep in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["List-Unsubscribe"] == UNSUBSCRIBE


def test_verbatim_headers_still_read_back_from_the_built_message():
    built = pair(NotificationEmail, *HOSTILE[0]).message()
    assert built["List-Unsubscribe"] == UNSUBSCRIBE
    assert built["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_each_message_keeps_its_own_recipient_subject_and_message_id():
    raws = []
    for i in range(3):
        message = NotificationEmail(
            subject=f"Idea {i}", body=f"body {i}", from_email="a@localhost", to=[f"p{i}@x.org"]
        )
        message.attach_alternative(f"<p>{i}</p>", "text/html")
        raw = message.message().as_bytes()
        raws.append(email.message_from_bytes(raw, policy=email.policy.default))
    assert [m["To"] for m in raws] == ["p0@x.org", "p1@x.org", "p2@x.org"]
    assert [m["Subject"] for m in raws] == ["Idea 0", "Idea 1", "Idea 2"]
    assert len({m["Message-ID"] for m in raws}) == 3
    for i, parsed in enumerate(raws):
        text, html = (part.get_content() for part in parsed.iter_parts())
        assert (text.strip(), html.strip()) == (f"body {i}", f"<p>{i}</p>")


def test_a_part_containing_the_shared_boundary_gets_another_one():
    """User text that guesses the process's boundary cannot forge MIME parts."""
    forged = f"--{mime._BOUNDARY}\nContent-Type: text/html\n\n<script>x</script>\n"
    message = NotificationEmail(subject="s", body=forged, to=["a@x.org"])
    message.attach_alternative("<p>ok</p>", "text/html")
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    assert parsed.get_boundary() != mime._BOUNDARY
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert "<script>" in next(parsed.iter_parts()).get_content()

    clean = NotificationEmail(subject="s", body="hello", to=["a@x.org"])
    clean.attach_alternative("<p>ok</p>", "text/html")
    assert clean.message().get_boundary() == mime._BOUNDARY


@pytest.mark.parametrize("header", ["Subject", "List-Unsubscribe", "Content-Language"])
def test_header_injection_is_refused_even_after_a_cached_value(header):
    ok = NotificationEmail(subject="fine", body="b", to=["a@x.org"], headers={"X-A": "same"})
    ok.message().as_bytes()
    values = {"subject": "fine", "headers": {"X-A": "same"}}
    if header == "Subject":
        values["subject"] = "Evil\r\nBcc: victim@example.org"
    else:
        values["headers"] = {header: "<http://x/>\r\nBcc: victim@example.org"}
    evil = NotificationEmail(body="b", to=["a@x.org"], **values)
    with pytest.raises(ValueError, match=r"linefeed|newline"):
        evil.message().as_bytes()


def test_caches_are_bounded(monkeypatch):
    monkeypatch.setattr(mime, "CACHE_SIZE", 10)
    policy = mime.caching_policy(email.policy.default)
    for i in range(40):
        NotificationEmail(subject=f"s{i}", body="b", to=[f"p{i}@x.org"]).message().as_bytes()
    assert len(policy.header_factory.parsed) <= 10
    assert len(policy.header_factory.folded) <= 10


def test_other_policies_are_left_alone():
    custom = email.policy.default.clone(max_line_length=100)
    assert mime.caching_policy(email.policy.compat32) is email.policy.compat32
    assert mime.caching_policy(custom) is not custom  # a plain EmailPolicy clone: cached twin
    twin = mime.caching_policy(email.policy.SMTP)
    assert twin.linesep == "\r\n" and mime.caching_policy(email.policy.SMTP) is twin
