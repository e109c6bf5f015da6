"""Sentry is off without ``SENTRY_DSN``; when on, events leave without
e-mail addresses, cookies, credentials or names: the user is only an id."""

from __future__ import annotations

import json

import sentry_sdk

from civicideas.ops.logs import logging_config
from civicideas.ops.sentry import init_sentry, scrub_event


def realistic_event() -> dict:
    """Shaped like what sentry-sdk's Django integration sends for an error."""
    return {
        "event_id": "a" * 32,
        "level": "error",
        "platform": "python",
        "server_name": "web-1",
        "message": "Could not notify ada.lovelace@example.org",
        "logentry": {"message": "Could not notify %s", "params": ["ada.lovelace@example.org"]},
        "user": {
            "id": 42,
            "email": "ada.lovelace@example.org",
            "username": "ada",
            "ip_address": "203.0.113.9",
            "name": "Ada Lovelace",
        },
        "request": {
            "url": "https://riverton.example/ideas/7/",
            "method": "POST",
            "query_string": "email=ada.lovelace%40example.org",
            "cookies": {"sessionid": "s3cr3t-session", "csrftoken": "c5rf"},
            "data": {"email": "ada.lovelace@example.org", "body": "Benches"},
            "headers": {
                "Authorization": "Token abcdef123456",
                "Cookie": "sessionid=s3cr3t-session",
                "X-Csrftoken": "c5rf",
                "User-Agent": "Mozilla/5.0",
                "Referer": "https://riverton.example/?email=ada.lovelace@example.org",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "exception": {
            "values": [
                {
                    "type": "SMTPRecipientsRefused",
                    "value": "{'ada.lovelace@example.org': (550, b'unknown')}",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "civicideas/notifications/delivery.py",
                                "function": "_deliver_one",
                                "lineno": 120,
                                "vars": {
                                    "email": "'ada.lovelace@example.org'",
                                    "password": "'hunter2'",
                                    "first_name": "'Ada'",
                                    "api_key": "'k-123'",
                                    "recipient": "<User: ada.lovelace@example.org>",
                                    "attempts": "2",
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {
                    "category": "query",
                    "message": "SELECT ... WHERE email = 'ada.lovelace@example.org'",
                    "data": {"session_key": "s3cr3t-session"},
                }
            ]
        },
        "extra": {"token": "t-1", "city": "riverton"},
    }


def test_before_send_scrubs_personal_data_and_keeps_the_user_id():
    scrubbed = scrub_event(realistic_event(), {})
    text = json.dumps(scrubbed)
    for secret in (
        "ada.lovelace",
        "Ada Lovelace",
        '"ada"',
        "203.0.113.9",
        "s3cr3t-session",
        "c5rf",
        "abcdef123456",
        "hunter2",
        "k-123",
        "t-1",
        "'Ada'",
    ):
        assert secret not in text, secret
    assert scrubbed["user"] == {"id": "42"}
    assert "cookies" not in scrubbed["request"]
    assert "data" not in scrubbed["request"]
    assert "query_string" not in scrubbed["request"]
    assert scrubbed["request"]["headers"]["User-Agent"] == "Mozilla/5.0"
    assert scrubbed["request"]["url"] == "https://riverton.example/ideas/7/"
    # What is needed to debug stays.
    frame = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame["filename"] == "civicideas/notifications/delivery.py"
    assert frame["function"] == "_deliver_one"
    assert frame["vars"]["attempts"] == "2"
    assert scrubbed["exception"]["values"][0]["type"] == "SMTPRecipientsRefused"
    assert scrubbed["extra"]["city"] == "riverton"
    assert scrubbed["server_name"] == "web-1"


def test_an_event_without_user_or_request_passes():
    event = {"message": "boom", "level": "error"}
    assert scrub_event(event, None) == {"message": "boom", "level": "error"}


def test_without_a_dsn_nothing_is_initialised():
    assert init_sentry("") is False
    # The test settings have no SENTRY_DSN: the settings initialised nothing.
    assert not sentry_sdk.get_client().is_active()


def test_admins_get_error_mails_only_without_sentry(settings):
    with_admins = logging_config(log_format="json", level="INFO", mail_admins=True)
    without = logging_config(log_format="json", level="INFO", mail_admins=False)
    assert "mail_admins" in with_admins["root"]["handlers"]
    assert "mail_admins" not in without["handlers"]
    # The test settings set neither ADMINS nor SENTRY_DSN.
    assert "mail_admins" not in settings.LOGGING["handlers"]
