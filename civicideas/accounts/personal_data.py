"""What each app holds about a person, for the data export and for erasure.

The core knows no app's models: each app declares a ``Contributor`` in its
own ``personal_data.py`` and registers it from ``AppConfig.ready`` (like
notification kinds). The export (``civicideas.accounts.export``) and the
erasure (``civicideas.accounts.erasure``) call every registered contributor
once per city the person took part in, inside that city's context, so the
ORM scope and row-level security are the city's.

Erasure does not rely on the contributors alone. After they ran, a generic
step walks *every* model: foreign keys to the person that would block the
deletion are pointed at a "former participant" (or, for the records a city
must keep, "former <role>") placeholder account, the person's e-mail address
is replaced in every text column, and the account is deleted, which cascades
to the rest. So a new model with a foreign key to the user is erased even
before its app writes a contributor; the contributor is there for what
needs a rule (counters, placeholders, files) and for the export.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Records:
    """One JSON file of the export: a list of plain dicts (JSON-serialisable
    values; dates as ISO strings). ``rows`` is consumed once, lazily, so a
    contributor may pass a ``QuerySet.iterator()``."""

    name: str
    rows: Iterable[dict[str, Any]]


@dataclass(frozen=True)
class StoredFile:
    """A file of the default storage copied into the export as ``arcname``."""

    arcname: str
    storage_name: str


@dataclass(frozen=True)
class ErasureOptions:
    """What the person chose, and the accounts their records now point to.

    ``participant`` replaces them on public contributions; ``staff`` replaces
    them on records the city must keep (official answers, moderation log,
    evaluation audit, decisions): a placeholder that keeps the role they held
    in this city."""

    delete_contributions: bool
    participant: Any
    staff: Any
    #: Replaces the person's e-mail address in free text of kept records.
    email_placeholder: str = "former participant"
    extra: dict[str, Any] = field(default_factory=dict)


class Contributor(Protocol):
    """An app's part of a person's data."""

    #: Short name, used as the folder of the app's files in the export.
    label: str
    #: ``"app_label.Model.field"`` foreign keys to the user that are staff
    #: records the city keeps: the generic step points them at ``staff``.
    staff_fields: frozenset[str]

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        """The person's data in the current city."""
        ...

    def erase(self, user: Any, options: ErasureOptions) -> None:
        """Apply the app's rules before the generic step (inside the
        erasure's transaction and the current city's context)."""
        ...


_CONTRIBUTORS: dict[str, Contributor] = {}


def register(contributor: Contributor) -> None:
    """Register an app's contributor (from its ``AppConfig.ready``). The
    same object again is harmless; two under one label refuse to start."""
    known = _CONTRIBUTORS.get(contributor.label)
    if known is not None and known is not contributor:
        raise ImproperlyConfigured(f"Two personal-data contributors use {contributor.label!r}.")
    _CONTRIBUTORS[contributor.label] = contributor


def contributors() -> list[Contributor]:
    """Registered contributors, in registration order (core first)."""
    return list(_CONTRIBUTORS.values())


def staff_fields() -> frozenset[str]:
    """Every contributor's staff-record fields."""
    return frozenset().union(*(c.staff_fields for c in contributors()))


def iso(value: Any) -> str | None:
    """A date, time or decimal as text for JSON; None stays None."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
