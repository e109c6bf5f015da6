"""Every kind a service writes is registered, and its wording reads the
payload that service sends (no blank where a name should be)."""

import re
from pathlib import Path

import pytest

from civicideas.notifications.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["civicideas", "ideas", "evaluation", "sponsors"]
KIND_RE = re.compile(r'kind="([a-z_]+)"')


def produced_kinds() -> set[str]:
    found = set()
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            found |= set(KIND_RE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_produced_kind_is_registered():
    missing = sorted(produced_kinds() - set(KINDS))
    assert missing == []


def test_every_registered_kind_is_produced_by_some_action():
    """A kind people can choose in their preferences but that nothing ever
    sends is a promise broken (three were, once)."""
    never_sent = sorted(set(KINDS) - produced_kinds())
    assert never_sent == []


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        (
            "offer_received",
            {"sponsor": "Acme", "initiative": "Repair café", "quantity": "300"},
            "Acme offered 300 for “Repair café”.",
        ),
        (
            "offer_accepted",
            {"initiative": "Repair café", "accepted": "300", "unit": "EUR"},
            "Your offer for “Repair café” was accepted: 300 EUR.",
        ),
        (
            "introduction",
            {"sponsor": "Acme", "initiative": "Repair café"},
            "The city introduced Acme and the initiative “Repair café” to each other.",
        ),
    ],
)
def test_sponsor_kinds_read_the_sponsors_payload(kind, payload, expected):
    assert KINDS[kind].text(payload) == expected
