"""The load of `make cluster-test`: a small, checking HTTP client.

wrk measures throughput but cannot tell which request failed, when, or
whether a write it sent twice was written twice; this driver records every
request (time, kind, status) so the test can say that none was lost, measure
the window of errors around a failover, and count rows afterwards.

Readers send, one after another on a kept-alive connection to the load
balancer: the city home and an idea page anonymously (page cache), and the
same idea page and the notifications page signed in (session cookie).
Each read is sent once: anything but 200 is a lost request, except a read
whose answer the killed node had begun to send (only the browser could send
it again; cluster_test.py allows those while the node is not yet out).

Writers post comments through the API with a token and an
``Idempotency-Key``, as a careful API client does: after a dropped
connection, a 5xx, or a 409 "still being processed" (the node that had the
first attempt died holding the key, civicideas/api/idempotency.py), the same
request is sent again with the same key until it gets its 201, within
``WRITE_DEADLINE`` seconds. Every write must end with 201; every key must
make exactly one comment (counted in the database afterwards).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

#: How long a writer keeps resending one request (the API keeps a dead
#: request's key "in progress" for 60 s, civicideas.api.idempotency.LOCK_TTL).
WRITE_DEADLINE = 75.0


@dataclass
class Target:
    port: int
    host: str
    ideas: list[int]
    token: str
    session: str
    tag: str


@dataclass
class Result:
    t: float  # seconds since the start of the load
    kind: str
    status: int  # 0: no HTTP answer (connection refused, reset, timeout)
    detail: str = ""


@dataclass
class Write:
    key: str
    body: str
    attempts: list[Result] = field(default_factory=list)
    replayed: bool = False

    @property
    def final(self) -> int:
        return self.attempts[-1].status if self.attempts else 0


class Load:
    """Readers and writers against ``target`` until ``stop()``."""

    def __init__(self, target: Target, *, readers: int = 4, writers: int = 2) -> None:
        self.target = target
        self.readers = readers
        self.writers = writers
        self.results: list[Result] = []
        self.writes: list[Write] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.start_time = 0.0

    # --- running -----------------------------------------------------------

    def start(self) -> None:
        self.start_time = time.monotonic()
        for n in range(self.readers):
            self._spawn(self._reader, n)
        for n in range(self.writers):
            self._spawn(self._writer, n)

    def stop(self) -> None:
        """Stop sending new requests; writes in progress finish (or time out)."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(WRITE_DEADLINE + 15)

    def now(self) -> float:
        return time.monotonic() - self.start_time

    def _spawn(self, body, n: int) -> None:
        thread = threading.Thread(target=body, args=(n,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.target.port, timeout=40)

    def _send(self, conn, method: str, path: str, headers: dict, body: bytes | None = None):
        """One request on the kept-alive ``conn``: (status, headers, body) or
        an OSError/HTTPException, after which the caller reconnects."""
        conn.request(method, path, body=body, headers={"Host": self.target.host, **headers})
        response = conn.getresponse()
        data = response.read()
        return response.status, response, data

    def _reader(self, n: int) -> None:
        idea = self.target.ideas[n % len(self.target.ideas)]
        cookie = {"Cookie": f"sessionid={self.target.session}"}
        plan = [
            ("anonymous home", "/", {}),
            ("anonymous idea", f"/ideas/{idea}/", {}),
            ("signed-in idea", f"/ideas/{idea}/", cookie),
            ("signed-in notifications", "/notifications/", cookie),
        ]
        conn = self._connection()
        i = n
        while not self._stopping.is_set():
            kind, path, headers = plan[i % len(plan)]
            i += 1
            try:
                status, _response, _data = self._send(conn, "GET", path, headers)
                self._record(Result(self.now(), kind, status))
            except (OSError, http.client.HTTPException) as exc:
                self._record(Result(self.now(), kind, 0, type(exc).__name__))
                conn.close()
                conn = self._connection()
        conn.close()

    def _writer(self, n: int) -> None:
        conn = self._connection()
        count = 0
        while not self._stopping.is_set():
            count += 1
            idea = self.target.ideas[(n + count) % len(self.target.ideas)]
            write = Write(key=uuid.uuid4().hex, body=f"cluster {self.target.tag} {n}-{count}")
            with self._lock:
                self.writes.append(write)
            conn = self._write(conn, idea, write)
        conn.close()

    def _write(self, conn, idea: int, write: Write):
        """Send ``write`` until it is answered 201 (or another 4xx, a bug)."""
        payload = json.dumps({"body": write.body}).encode()
        headers = {
            "Authorization": f"Token {self.target.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": write.key,
        }
        first = time.monotonic()
        while True:
            try:
                status, response, data = self._send(
                    conn, "POST", f"/api/v1/ideas/{idea}/comments/", headers, payload
                )
                detail = ""
                if status == 409:
                    detail = json.loads(data or b"{}").get("code", "")
                if response.getheader("Idempotent-Replayed") == "true":
                    write.replayed = True
                result = Result(self.now(), "API write", status, detail)
            except (OSError, http.client.HTTPException) as exc:
                result = Result(self.now(), "API write", 0, type(exc).__name__)
                conn.close()
                conn = self._connection()
            write.attempts.append(result)
            self._record(result)
            again = (
                result.status == 0
                or result.status >= 500
                or result.detail == ("idempotency_in_progress")
            )
            if not again or time.monotonic() - first > WRITE_DEADLINE:
                return conn
            time.sleep(0.5)

    def _record(self, result: Result) -> None:
        with self._lock:
            self.results.append(result)

    # --- what happened -------------------------------------------------------

    def by_kind(self) -> dict[str, Counter]:
        kinds: dict[str, Counter] = {}
        for r in self.results:
            kinds.setdefault(r.kind, Counter())[r.status] += 1
        return kinds

    def failed_reads(self) -> list[Result]:
        return [r for r in self.results if r.kind != "API write" and r.status != 200]

    def failed_writes(self) -> list[Write]:
        return [w for w in self.writes if w.final != 201]

    def resent_writes(self) -> list[Write]:
        return [w for w in self.writes if len(w.attempts) > 1]

    def error_window(self) -> tuple[float, float] | None:
        """First and last moment a request was answered with anything but its
        expected status (including the writes' answers that were resent)."""
        bad = [r.t for r in self.results if r.status not in (200, 201)]
        return (min(bad), max(bad)) if bad else None
