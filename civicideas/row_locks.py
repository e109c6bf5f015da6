"""Remembering that a row was read under ``SELECT … FOR UPDATE`` in the
current transaction, so a service need not lock (and read) it again.

A hot view (the support button) reads the idea once, locked, for both its
visibility check and the service's counter update: one query instead of two.
The mark names the outermost atomic block that holds the lock; an object
carried into another transaction is not taken as locked there.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

_MARK = "_row_locked_in"


def mark_locked(obj: Any) -> Any:
    """Record that ``obj`` was just read with ``select_for_update()``.
    Precondition: inside ``transaction.atomic`` (a lock outside one would
    already be released)."""
    if obj is not None and connection.in_atomic_block:
        setattr(obj, _MARK, connection.atomic_blocks[0])
    return obj


def holds_lock(obj: Any) -> bool:
    """True when ``obj`` was read locked in the transaction still open."""
    mark = getattr(obj, _MARK, None)
    return (
        mark is not None
        and connection.in_atomic_block
        and bool(connection.atomic_blocks)
        and connection.atomic_blocks[0] is mark
    )
