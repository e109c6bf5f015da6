"""Redis URLs, plain or through Redis Sentinel, and what each consumer needs from them.

Every Redis URL of the platform (``REDIS_URL``, ``CELERY_BROKER_URL``,
``CELERY_RESULT_BACKEND``, ``CELERY_BEAT_REDIS_URL``) takes one of two forms:

* ``redis://[[user]:password@]host:port/db`` (or ``rediss://``, ``unix://``):
  one server, passed on unchanged, as before;
* ``sentinel://[[user]:password@]host1:26379,host2:26379/<service>[/<db>]``
  ``[?sentinel_password=...]``: ask these Sentinels which server is the master
  of ``<service>`` (the name in ``sentinel monitor <service> ...``), and use
  database ``<db>`` (0 when left out) there. The user and password are the
  master's; ``sentinel_password`` is for Sentinels that require one.

The three libraries that talk to Redis each spell Sentinel differently (kombu
and Celery: ``sentinel://h1:26379;sentinel://h2:26379/<db>`` plus a
``master_name`` transport option; celery-redbeat: ``redis-sentinel://`` plus
``sentinels``/``service_name`` options; redis-py: ``Sentinel(...).master_for``),
so the settings parse each URL here once and derive their spelling from it
(``RedisTarget``). Nothing here reads Django settings: the settings modules
import it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import redis
from django.core.exceptions import ImproperlyConfigured
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "sentinel"
PLAIN_SCHEMES = frozenset({"redis", "rediss", "unix"})
DEFAULT_SENTINEL_PORT = 26379
FORM = "sentinel://[[user]:password@]host1:26379,host2:26379/<service>[/<db>]"


@dataclass(frozen=True)
class RedisTarget:
    """One configured URL: a plain Redis URL, a Sentinel group, or another
    broker (``amqp://`` ...) that is passed on untouched."""

    url: str
    sentinels: tuple[tuple[str, int], ...] = ()
    service: str = ""
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_password: str | None = field(default=None, repr=False)

    @property
    def is_sentinel(self) -> bool:
        return bool(self.sentinels)

    @property
    def is_redis(self) -> bool:
        """True for Redis, plain or through Sentinel (not for another broker)."""
        return self.is_sentinel or urlsplit(self.url).scheme in PLAIN_SCHEMES

    # --- Celery (kombu broker and Celery's result backend) ----------------

    @property
    def celery_url(self) -> str:
        """kombu's and Celery's spelling: one ``sentinel://`` URL per Sentinel,
        joined by ``;``, each carrying the master's credentials and database."""
        if not self.is_sentinel:
            return self.url
        auth = ""
        if self.password is not None or self.username is not None:
            auth = f"{quote(self.username or '', safe='')}:{quote(self.password or '', safe='')}@"
        return ";".join(
            f"sentinel://{auth}{_host(host)}:{port}/{self.db}" for host, port in self.sentinels
        )

    @property
    def celery_transport_options(self) -> dict[str, Any]:
        """What kombu and Celery need besides the URL (empty for plain Redis)."""
        if not self.is_sentinel:
            return {}
        options: dict[str, Any] = {"master_name": self.service}
        if self.sentinel_password is not None:
            options["sentinel_kwargs"] = {"password": self.sentinel_password}
        return options

    # --- celery-redbeat ---------------------------------------------------

    @property
    def redbeat_url(self) -> str:
        """redbeat recognises Sentinel by the ``redis-sentinel`` scheme; the
        rest of that URL is not read (the options carry everything)."""
        if not self.is_sentinel:
            return self.url
        host, port = self.sentinels[0]
        return f"redis-sentinel://{_host(host)}:{port}/{self.db}"

    def redbeat_options(self, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` (timeouts) plus redbeat's Sentinel options."""
        if not self.is_sentinel:
            return dict(base)
        options: dict[str, Any] = {
            **base,
            "sentinels": list(self.sentinels),
            "service_name": self.service,
            "db": self.db,
            "password": self.password,
        }
        if self.username is not None:
            options["username"] = self.username
        if self.sentinel_password is not None:
            options["sentinel_kwargs"] = {"password": self.sentinel_password}
        return options

    # --- redis-py -----------------------------------------------------------

    def sentinel(self, **connection_kwargs: Any) -> Sentinel:
        """A redis-py ``Sentinel`` over this group; ``connection_kwargs`` (socket
        timeouts ...) apply to the master connections and the Sentinels alike."""
        sentinel_kwargs = {k: v for k, v in connection_kwargs.items() if k.startswith("socket_")}
        if self.sentinel_password is not None:
            sentinel_kwargs["password"] = self.sentinel_password
        return Sentinel(list(self.sentinels), sentinel_kwargs=sentinel_kwargs, **connection_kwargs)

    def master_kwargs(self) -> dict[str, Any]:
        """``master_for`` arguments: database and the master's credentials."""
        kwargs: dict[str, Any] = {"db": self.db}
        if self.password is not None:
            kwargs["password"] = self.password
        if self.username is not None:
            kwargs["username"] = self.username
        return kwargs

    @property
    def location(self) -> str:
        """Where this is, for messages: no password, ever."""
        if self.is_sentinel:
            hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
            return f"the master of {self.service!r} per Sentinel {hosts}"
        parts = urlsplit(self.url)
        try:
            port = parts.port or 6379
        except ValueError:
            return "an unparsable Redis URL"
        return f"{parts.hostname or 'localhost'}:{port}"


def parse_redis_url(url: str, setting: str = "REDIS_URL") -> RedisTarget:
    """The ``RedisTarget`` of ``url``; ImproperlyConfigured, naming ``setting``
    and the expected form, when a ``sentinel://`` URL is malformed. Other
    schemes are kept as they are (their library validates them)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() != SENTINEL_SCHEME:
        return RedisTarget(url=url)

    def bad(reason: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{setting}: {reason}; expected {FORM}.")

    if ";" in rest:
        raise bad(
            "separate the Sentinels with commas in one URL, not with ';' (the settings "
            "derive kombu's ';' form from it)"
        )
    authority, _, path_and_query = rest.partition("/")
    path, _, query = path_and_query.partition("?")
    username = password = None
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    sentinels = tuple(_sentinel_address(item, bad) for item in authority.split(","))

    segments = [unquote(s) for s in path.split("/")] if path else []
    if segments and segments[-1] == "":
        segments.pop()  # a trailing slash
    if not segments or not segments[0]:
        raise bad("the Sentinel service name (the master's name in `sentinel monitor`) is missing")
    if len(segments) > 2:
        raise bad(f"too many path parts in {path!r}")
    service = segments[0]
    if len(segments) == 1 and service.isdigit():
        raise bad(
            f"{service!r} looks like a database number, but the service name comes first "
            f"(kombu's sentinel://host:26379/{service} has no service name)"
        )
    db = 0
    if len(segments) == 2:
        if not segments[1].isdigit() or not segments[1].isascii():
            raise bad(f"the database {segments[1]!r} is not a number")
        db = int(segments[1])

    params = parse_qs(query, keep_blank_values=True)
    unknown = set(params) - {"sentinel_password"}
    if unknown:
        raise bad(f"unknown option(s) {', '.join(sorted(unknown))}")
    sentinel_password = params["sentinel_password"][-1] if "sentinel_password" in params else None
    return RedisTarget(
        url=url,
        sentinels=sentinels,
        service=service,
        db=db,
        username=username,
        password=password,
        sentinel_password=sentinel_password,
    )


def _host(host: str) -> str:
    """An IPv6 address in brackets, as URLs want it."""
    return f"[{host}]" if ":" in host else host


def _sentinel_address(item: str, bad: Any) -> tuple[str, int]:
    item = item.strip()
    if not item:
        raise bad("a Sentinel host is missing (empty host list or a stray comma)")
    if item.startswith("["):  # [ipv6]:port
        host, _, port_text = item[1:].partition("]")
        port_text = port_text.removeprefix(":")
    else:
        host, _, port_text = item.rpartition(":") if ":" in item else (item, "", "")
    if not host:
        raise bad(f"the Sentinel address {item!r} has no host")
    if not port_text:
        return host, DEFAULT_SENTINEL_PORT
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise bad(f"the Sentinel port in {item!r} is not a port number (1-65535)")
    return host, int(port_text)


@contextmanager
def connect(url: str, *, timeout: float) -> Iterator[redis.Redis]:
    """A client of the Redis at ``url`` (through Sentinel when it says so),
    closed afterwards with the Sentinel connections it opened."""
    target = parse_redis_url(url)
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    if not target.is_sentinel:
        client = redis.Redis.from_url(url, **options)
        try:
            yield client
        finally:
            client.close()
        return
    sentinel = target.sentinel(**options)
    client = sentinel.master_for(target.service, **target.master_kwargs())
    try:
        yield client
    finally:
        client.close()
        for node in sentinel.sentinels:
            node.close()
