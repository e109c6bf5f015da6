"""``Idempotency-Key`` on POST requests: a retried request creates nothing twice.

A client that did not get an answer (timeout, dropped connection) resends
the same POST with the same ``Idempotency-Key`` header. The first answer —
status and body — is kept for ``TTL`` seconds in the Redis cache under the
key, the person and the city, and a replay gets that answer again with
``Idempotent-Replayed: true`` instead of running the view a second time.
The same key with a different body is a client bug and gets 409, and a
replay that arrives while the first request is still running gets 409 too
(it would otherwise race it).

Only signed-in people's requests are remembered: an anonymous key would be
shared by everybody (and the token endpoint's body holds a secret). 5xx
answers are not remembered, so a retry after a server error runs again.

The answer must match what the database kept. Each city request is one
transaction, committed after the view has answered
(``civicideas.tenancy.context``), and the cache is not part of it: a node
dying (or the commit failing) between storing the answer and the commit
would leave a 201 for a write that never happened, while storing it after
the commit would let a node die in between and the retry write twice. So
the answer is stored *before* the commit with the request's PostgreSQL
transaction id (``pg_current_xact_id_if_assigned()``; none when the request
wrote nothing), and marked "done" once the commit has happened. A retry that
finds an answer not marked done asks PostgreSQL what became of that
transaction (``pg_xact_status``): committed, the answer is replayed;
aborted, the write never happened and the retry runs afresh; still in
progress, 409. The "running" mark of a request that has not answered yet
carries its transaction id too: when its node dies, PostgreSQL aborts that
transaction as soon as the connection drops, so the retry runs at once
instead of getting 409 until ``LOCK_TTL`` ends. Found by `make
cluster-test`, which kills a node under load.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
TTL = 24 * 60 * 60
#: How long a key stays "in progress" if its request dies without answering.
LOCK_TTL = 60
KEY_MAX = 200
PREFIX = "api-idem"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This Idempotency-Key was already used with a different request.")
    default_code = "idempotency_conflict"


class IdempotencyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed.")
    default_code = "idempotency_in_progress"


class InvalidIdempotencyKey(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The Idempotency-Key header must be 1 to 200 visible ASCII characters.")
    default_code = "invalid_idempotency_key"


class Replay(Exception):
    """Raised in ``initial`` to answer with the stored response."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _cache_key(request: Request, raw: str) -> str:
    city = getattr(request._request, "city", None)
    digest = hashlib.sha256(raw.encode("ascii")).hexdigest()
    return f"{PREFIX}:{getattr(city, 'pk', '-')}:{request.user.pk}:{digest}"


def _fingerprint(request: Request) -> str:
    body = request._request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
    parts = [request.method or "", request._request.get_full_path(), body.hex()]
    return hashlib.sha256("\n".join(parts).encode("ascii", "replace")).hexdigest()


def begin(request: Request) -> tuple[str, str] | None:
    """Check the header before the view runs: ``None`` when idempotency does
    not apply, else (cache key, fingerprint) to ``finish`` with. Raises
    ``Replay`` with the stored answer, or a 409/400."""
    raw = request._request.META.get(META_KEY)
    if raw is None or request.method != "POST" or not request.user.is_authenticated:
        return None
    if not (0 < len(raw) <= KEY_MAX and raw.isascii() and raw.isprintable()):
        raise InvalidIdempotencyKey()
    key = _cache_key(request, raw)
    fingerprint = _fingerprint(request)
    stored = cache.get(key)
    if stored is None:
        if cache.add(key, _running(fingerprint), LOCK_TTL):
            return key, fingerprint
        stored = cache.get(key) or {"state": "running", "fingerprint": fingerprint}
    if stored.get("fingerprint") != fingerprint:
        raise IdempotencyConflict()
    state = stored.get("state")
    if state in ("running", "written") and stored.get("xid"):
        outcome = _transaction_status(stored["xid"])
        if outcome == "aborted":  # the first attempt died or failed: nothing was written
            return _take_over(key, fingerprint, stored["xid"])
        if state == "running" or outcome == "in progress":
            raise IdempotencyInProgress()
    elif state != "done":
        raise IdempotencyInProgress()
    response = Response(json.loads(stored["body"]) if stored["body"] else None, stored["status"])
    response["Idempotent-Replayed"] = "true"
    raise Replay(response)


def _transaction_status(xid: str) -> str:
    """ "committed", "aborted" or "in progress" (PostgreSQL's word for the
    transaction that wrote the first answer). A transaction too old for
    PostgreSQL to remember (NULL) ended long ago: its answer stands."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_xact_status(%s::xid8)", [xid])
        row = cursor.fetchone()
    return (row[0] if row else None) or "committed"


def _running(fingerprint: str) -> dict[str, str]:
    """The record of a request that is running, with its transaction id: if
    its node dies, PostgreSQL aborts that transaction as soon as the
    connection drops, and a retry may run at once instead of after LOCK_TTL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text")
        row = cursor.fetchone()
    return {"state": "running", "fingerprint": fingerprint, "xid": row[0] if row else ""}


def _take_over(key: str, fingerprint: str, xid: str) -> tuple[str, str]:
    """The first attempt's transaction rolled back: run again, but only one
    of several retries arriving together."""
    if not cache.add(f"{key}:after:{xid}", True, LOCK_TTL):
        raise IdempotencyInProgress()
    cache.set(key, _running(fingerprint), LOCK_TTL)
    return key, fingerprint


def finish(state: tuple[str, str], response: Any) -> None:
    """Remember the answer (4xx included: the same request gets the same
    refusal), with the transaction that must commit for it to stand; forget
    the key after a 5xx so the client may retry."""
    key, fingerprint = state
    if response.status_code >= 500 or not isinstance(response, Response):
        cache.delete(key)
        return
    body = json.dumps(response.data, default=str) if response.data is not None else ""
    record = {"fingerprint": fingerprint, "status": response.status_code, "body": body}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned()::text")
        row = cursor.fetchone()
    xid = row[0] if row else None
    if xid is None:  # nothing was written: nothing to wait for
        cache.set(key, {**record, "state": "done"}, TTL)
        return
    cache.set(key, {**record, "state": "written", "xid": xid}, TTL)
    transaction.on_commit(lambda: cache.set(key, {**record, "state": "done"}, TTL))


def release(state: tuple[str, str] | None) -> None:
    if state is not None:
        cache.delete(state[0])
