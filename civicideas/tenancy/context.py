"""The current city, for the ORM scope and for PostgreSQL row-level security.

Two layers enforce isolation and both are entered here:

* django-scopes filters every tenant model's default manager by the current
  city and raises ``ScopeError`` when no city is current (fails closed);
* PostgreSQL row-level security reads ``civicideas.city_id`` (or
  ``civicideas.all_cities``), set with ``set_config(..., true)`` so the value
  lives only as long as the transaction. That is why entering a city opens a
  transaction: outside one, tenant tables show no rows at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

if TYPE_CHECKING:
    from civicideas.tenancy.models import City

CITY_SETTING = "civicideas.city_id"
ALL_CITIES_SETTING = "civicideas.all_cities"

_current_city: ContextVar[City | None] = ContextVar("civicideas_city", default=None)


class NoCurrentCity(RuntimeError):
    """Raised when code that needs a city runs outside ``city_context``."""


def current_city() -> City:
    """The city the current request, task or command runs in."""
    city = _current_city.get()
    if city is None:
        raise NoCurrentCity("No current city: wrap this code in city_context(city).")
    return city


def current_city_or_none() -> City | None:
    return _current_city.get()


def _read_db_settings(using: str) -> tuple[str, str]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true), current_setting(%s, true)",
            [CITY_SETTING, ALL_CITIES_SETTING],
        )
        city_id, all_cities = cursor.fetchone()
    return city_id or "", all_cities or ""


def _write_db_settings(city_id: str, all_cities: str, using: str) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [CITY_SETTING, city_id, ALL_CITIES_SETTING, all_cities],
        )


@contextmanager
def _db_context(city_id: str, all_cities: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    # Nested inside another transaction (a test, or a platform command
    # looping over cities), the outer values are restored on exit because
    # set_config(..., true) outlives a released savepoint. At the top level
    # the transaction's end clears them, so no extra queries are needed.
    nested = connections[using].in_atomic_block
    with transaction.atomic(using=using):
        previous = _read_db_settings(using) if nested else None
        _write_db_settings(city_id, all_cities, using)
        yield
        # On an exception the savepoint or transaction is rolled back, which
        # reverts set_config as well; only a normal exit needs restoring.
        if previous is not None:
            _write_db_settings(*previous, using)


@contextmanager
def city_context(city: City, using: str | None = None) -> Iterator[City]:
    """Run the enclosed code as ``city``: ORM scope, RLS setting, transaction,
    and the city's time zone.

    ``using`` names a second database (a read replica) whose connection
    enters the city too, for the reads the router sends there; the primary
    always does, since writes go there.

    Use in Celery tasks (through ``city_task``), management commands and the
    shell. The block is one database transaction; keep long work in batches,
    each in its own ``city_context``.

    The time zone is part of the city because every place that shows a time
    (pages, admin, e-mails rendered by tasks) runs inside this block: one
    switch here instead of one per view or task. ``timezone.override``
    restores the previous zone on exit, exception or not, so nothing leaks
    into the next request or task served by the same thread.
    """
    token = _current_city.set(city)
    try:
        with ExitStack() as stack:
            stack.enter_context(scope(city=city.pk))
            stack.enter_context(_db_context(str(city.pk), ""))
            if using is not None and using != DEFAULT_DB_ALIAS:
                stack.enter_context(_db_context(str(city.pk), "", using))
            stack.enter_context(timezone.override(city.zoneinfo))
            yield city
    finally:
        _current_city.reset(token)


@contextmanager
def all_cities_context() -> Iterator[None]:
    """Cross-city access for the platform admin and platform-wide commands.

    Explicit and rare by design: it lifts both the ORM scope and the RLS
    policy for the enclosed transaction only.
    """
    token = _current_city.set(None)
    try:
        with scopes_disabled(), _db_context("", "on"):
            yield
    finally:
        _current_city.reset(token)
