"""Every kind a service writes is registered, every registered kind is
written by some action, and its wording reads the payload that service sends
(no blank where a name should be).

Kinds are ``Kind`` constants in each app's ``notifications.py``; services
pass them to ``notify`` (which refuses an unregistered one). These tests read
the source (its syntax tree) for where the constants are used, so a kind
nobody sends, or a ``notify`` given a bare string, fails here and not in
production.
"""

import ast
import importlib
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from civicideas.notifications import outbox
from civicideas.notifications.kinds import KINDS, Kind, register
from civicideas.tenancy.context import city_context
from ideas import notifications as idea_kinds

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["civicideas", "ideas", "evaluation", "sponsors", "projects", "exchange", "events"]
#: The modules that declare kinds (each app's own).
DECLARING = [
    "civicideas.accounts.notifications",
    "ideas.notifications",
    "evaluation.notifications",
    "sponsors.notifications",
    "projects.notifications",
    "events.notifications",
]


def declared() -> dict[str, Kind]:
    """Every ``Kind`` constant the apps declare, by constant name."""
    found: dict[str, Kind] = {}
    for name in DECLARING:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, Kind):
                assert attr not in found, f"{attr} is declared by two apps"
                found[attr] = value
    return found


def sources():
    declaring = {ROOT / (name.replace(".", "/") + ".py") for name in DECLARING}
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or "tests" in path.parts or path in declaring:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def produced_kinds() -> set[str]:
    """The keys of the kind constants the code outside their declaring
    modules refers to (``kinds.IDEA_PUBLISHED``, also as ``.key``)."""
    constants = declared()
    found = set()
    for _path, tree in sources():
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.Name):
                name = node.id
            if name in constants:
                found.add(constants[name].key)
    return found


def test_every_declared_kind_is_registered():
    unregistered = sorted(k.key for k in declared().values() if KINDS.get(k.key) is not k)
    assert unregistered == []
    assert len(KINDS) == len(declared())


def test_notify_is_never_given_a_bare_string():
    """A kind passed as text would skip the import check of the constants;
    every ``notify(kind=...)`` names a constant (or a variable holding one)."""
    offenders = []
    for path, tree in sources():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _call_name(node) == "notify"):
                continue
            for keyword in node.keywords:
                if keyword.arg == "kind" and any(
                    isinstance(n, ast.Constant) and isinstance(n.value, str)
                    for n in ast.walk(keyword.value)
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_every_produced_kind_is_registered():
    missing = sorted(produced_kinds() - set(KINDS))
    assert missing == []


def test_every_registered_kind_is_produced_by_some_action():
    """A kind people can choose in their preferences but that nothing ever
    sends is a promise broken (three were, once)."""
    never_sent = sorted(set(KINDS) - produced_kinds())
    assert never_sent == []


@pytest.mark.django_db
def test_notify_refuses_a_string_or_an_unregistered_kind(city):
    stray = Kind(
        "idea_published", idea_kinds.IDEA_PUBLISHED.label, idea_kinds.IDEA_PUBLISHED.summary
    )
    with city_context(city), transaction.atomic():
        for wrong in ("idea_published", stray, None):
            with pytest.raises(ValueError, match="registered notification kind"):
                outbox.notify(recipient_ids=[1], kind=wrong)


def test_two_kinds_under_one_key_refuse_to_start():
    register(idea_kinds.IDEA_PUBLISHED)  # the same kind again: harmless
    twin = Kind(
        "idea_published", idea_kinds.IDEA_PUBLISHED.label, idea_kinds.IDEA_PUBLISHED.summary
    )
    with pytest.raises(ImproperlyConfigured):
        register(twin)
    assert KINDS["idea_published"] is idea_kinds.IDEA_PUBLISHED


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
