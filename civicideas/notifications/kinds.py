"""What a kind of notification is: its label, default channel, wording,
link and who may receive it — and the registry of all kinds.

Each app declares its own kinds in its ``notifications.py`` (one ``Kind``
constant per kind) and registers them from ``AppConfig.ready``; its services
pass those constants to ``outbox.notify``, so a misspelt kind is an import
error and the core never imports an app to learn how a message reads.

The registry is the one place that knows how a kind reads; the outbox stores
only the kind's key and a JSON payload (what the message needs: titles,
reasons, ids), and delivery, the in-app page, preferences and digests all ask
the registry. A stored row whose kind is not registered (an app removed, an
old row) is still shown in-app as ``UNKNOWN``, but never emailed (see
``delivery``).

Defaults do not flood: things about a person's own content that they must
act on or would miss (moderation of their idea, evaluator work) are sent
immediately; conversation and status news go to the daily digest; news about
ideas one merely follows to the weekly digest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicideas.inputs import parse_id
from civicideas.notifications.models import Channel


class _Blank(dict):
    """A payload for ``%`` formatting in which a missing key reads as ''."""

    def __missing__(self, key: str) -> str:
        return ""


def ref_pk(ref: str) -> int | None:
    """The primary key in a ``subject_ref`` ("app.model:pk"), or None."""
    _label, _sep, pk = ref.partition(":")
    return parse_id(pk)


def home_link(notification: Any) -> str:
    return "/"


def admin_link(notification: Any) -> str:
    return "/admin/"


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise
    #: One line in the recipient's language; ``%(name)s`` reads the payload.
    summary: Promise
    default: Channel = Channel.DAILY
    #: Path on the city's host the message links to.
    link: Callable[[Any], str] = home_link
    #: Roles a recipient must hold in the city (empty: anyone with an account).
    roles: frozenset[str] = field(default_factory=frozenset)
    #: Audiences beyond the city's roles, registered by the apps that know
    #: them (``register_audience``: sponsors' members, groups' members): a
    #: person in none of them never receives the kind, so the preferences
    #: page does not offer it (empty: no such condition).
    audiences: frozenset[str] = field(default_factory=frozenset)
    #: Payload keys shown as extra paragraphs (a reason, an official answer).
    details: tuple[str, ...] = ()
    #: Payload values shown through a function before formatting (a status
    #: code as its label in the reader's language), by payload key.
    formats: Mapping[str, Callable[[str], str]] = field(
        default_factory=dict, hash=False, compare=False
    )
    #: What is true *now* of what a stored notification announced, for the
    #: in-app list: ``current(notifications) -> {notification pk: line}`` for
    #: a page of this kind's rows at once (one query, not one per row). A
    #: "challenge open" notice read after the challenge moved on says so
    #: instead of implying it is still open.
    current: Callable[[list[Any]], Mapping[int, str]] | None = field(
        default=None, hash=False, compare=False
    )

    def text(self, payload: Mapping[str, Any] | None) -> str:
        values = _Blank({k: v for k, v in (payload or {}).items() if v is not None})
        for key, show in self.formats.items():
            if key in values:
                values[key] = show(str(values[key]))
        return str(self.summary) % values

    def subject(self, payload: Mapping[str, Any] | None) -> str:
        # One header line, bounded: titles are user text and may hold anything.
        line = " ".join(self.text(payload).split())
        return line if len(line) <= 140 else f"{line[:139]}…"

    def detail_items(self, payload: Mapping[str, Any] | None) -> list[tuple[str, str]]:
        labels = {
            "reason": _("Reason"),
            "message": _("Message from the city"),
            "summary": _("Summary"),
        }
        return [
            (str(labels.get(key, key)), str(payload[key]))
            for key in self.details
            if payload and payload.get(key)
        ]

    def may_receive(self, roles: set[str]) -> bool:
        return not self.roles or bool(self.roles & roles)


#: Audience name -> ``test(user) -> bool`` (one query at most), registered
#: from the ``ready`` of the app that owns the memberships.
AUDIENCES: dict[str, Callable[[Any], bool]] = {}


def register_audience(name: str, test: Callable[[Any], bool]) -> None:
    AUDIENCES[name] = test


def audiences_of(user: Any, names: Iterable[str]) -> set[str]:
    """Which of ``names`` the person belongs to in the current city; an
    audience nobody registered (its app not installed) holds nobody."""
    return {name for name in set(names) if name in AUDIENCES and AUDIENCES[name](user)}


#: Every registered kind by key, in registration order (the order of the
#: preferences page): filled by ``register`` from the apps' ``ready``.
KINDS: dict[str, Kind] = {}

#: Shown for a kind nobody registered yet (in-app only, never emailed).
UNKNOWN = Kind("unknown", _("Notification"), _("You have a new notification."), Channel.OFF)


def current_lines(notifications: list[Any]) -> dict[int, str]:
    """``Kind.current`` for a page of notifications: one call per kind that
    has one, so the cost does not grow with the page."""
    by_kind: dict[str, list[Any]] = {}
    for notification in notifications:
        by_kind.setdefault(notification.kind, []).append(notification)
    lines: dict[int, str] = {}
    for key, rows in by_kind.items():
        kind = KINDS.get(key)
        if kind is not None and kind.current is not None:
            lines.update(kind.current(rows))
    return lines


def get_kind(key: str) -> Kind | None:
    return KINDS.get(key)


def kind_or_unknown(key: str) -> Kind:
    return KINDS.get(key, UNKNOWN)


def register(*kinds: Kind) -> None:
    """Register an app's kinds (call from its ``AppConfig.ready``).

    Registering the same ``Kind`` again is harmless; two different kinds under
    one key would make one app's messages read as another's, so that refuses
    to start."""
    for kind in kinds:
        known = KINDS.get(kind.key)
        if known is not None and known is not kind:
            raise ImproperlyConfigured(f"Two notification kinds use the key {kind.key!r}.")
        KINDS[kind.key] = kind


def is_registered(kind: Kind) -> bool:
    return KINDS.get(kind.key) is kind
