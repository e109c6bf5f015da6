"""Anonymous page reads from a streaming read replica, when one is configured.

Which requests: GET or HEAD without a session cookie, an Authorization header
or the "just wrote" cookie, so a person never reads their own data from a
replica that may lag behind; everyone signed in reads from the primary. Which
queries: reads only, and only until the request writes anything (a write
pins the rest of the request to the primary, so nothing is read from the
replica inside a write transaction).

Row-level security holds on the replica as on the primary: the replica is a
copy of the same cluster, and ``city_context(city, using=REPLICA)`` sets the
city on the replica's connection as well (docs/operations.md, "Read
replicas").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
#: Set after a write so that this browser reads from the primary for a while.
PIN_COOKIE = "civicideas_primary"

_reads_from: ContextVar[str | None] = ContextVar("civicideas_reads_from", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def wants_replica(request: HttpRequest) -> bool:
    """Whether this request's reads may be served by the replica."""
    return (
        replica_configured()
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and "authorization" not in request.headers
    )


@contextmanager
def reads_from_replica() -> Iterator[None]:
    """Send the enclosed reads to the replica (until the first write)."""
    token = _reads_from.set(REPLICA)
    try:
        yield
    finally:
        _reads_from.reset(token)


def pin_after_write(request: HttpRequest, response: HttpResponse) -> None:
    """After a request that may have written, read from the primary for
    ``REPLICA_PIN_SECONDS`` (longer than the replica's usual lag)."""
    if replica_configured() and request.method not in ("GET", "HEAD", "OPTIONS"):
        response.set_cookie(
            PIN_COOKIE,
            "1",
            max_age=settings.REPLICA_PIN_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


class ReplicaRouter:
    """Reads to the replica inside ``reads_from_replica``; everything else,
    writes and migrations included, to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return _reads_from.get()

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        # The first write (or select_for_update) pins what follows to the
        # primary: a read after it must see it.
        if _reads_from.get() is not None:
            _reads_from.set(None)
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
