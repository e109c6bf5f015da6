"""Email backends for the delivery tests.

``ScriptedBackend`` raises the errors queued in ``ScriptedBackend.script``
(one per message, in order) and then records messages in Django's locmem
outbox, so "two temporary errors, then success" is one line of set-up.

``FileBackend`` is for a worker in another process: it appends one JSON line
per message to a file and, while a "block" file exists, waits before
sending, so a test can kill the worker in the middle of a delivery.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class ScriptedBackend(LocmemBackend):
    script: list[BaseException] = []

    def send_messages(self, messages):
        if ScriptedBackend.script:
            raise ScriptedBackend.script.pop(0)
        return super().send_messages(messages)


class FileBackend(BaseEmailBackend):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = Path(os.environ["NOTIFICATIONS_TEST_MAIL_FILE"])
        self.block = Path(f"{self.path}.block")
        self.started = Path(f"{self.path}.started")

    def send_messages(self, messages):
        self.started.touch()
        while self.block.exists():
            time.sleep(0.05)
        with self.path.open("a") as out:
            for message in messages:
                out.write(json.dumps({"to": message.to, "subject": message.subject}) + "\n")
        return len(messages)


def sent_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def outbox() -> list:
    return mail.outbox
