"""The default cache: Redis, or this process's memory while Redis is down.

Every limiter of the platform keeps its counters in the default cache:
allauth's rate limits (sign-up, password reset, ...), REST framework's
throttles, the shared password-guess budget (``accounts.guesses``) and the
API's idempotency keys. With the stock ``RedisCache`` a Redis outage made each
of them raise, so signing in and every API call answered 500. Patching each
call site would miss the next limiter, so the fallback lives here, once:

* every cache operation goes to Redis; when Redis does not answer (connection
  refused, timeout), the operation is served by a per-process memory cache
  (``LocMemCache``) instead and a warning is logged;
* for ``RETRY_SECONDS`` after a failure the memory cache is used directly, so
  requests do not each wait for a dead server; then Redis is tried again, and
  once it answers it is used again (an info line is logged).

During an outage limits are therefore counted per process (with N web
processes an attacker gets at most N times the budget, never an unlimited
one), and counters restart from Redis's values when it returns. Values that
are worthless per process use ``primary`` (Redis only) and handle errors
themselves: the page cache (``web.page_cache``) would otherwise serve pages
that another process has invalidated.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from functools import cached_property
from typing import Any

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.sentinel import SentinelConnectionPool

from civicideas.ops.redis_urls import parse_redis_url

logger = logging.getLogger(__name__)

#: How long the memory cache is used after Redis failed, before Redis is tried again.
RETRY_SECONDS = 5.0
#: Enough for every counter of a busy process during an outage; LocMemCache culls beyond.
MEMORY_MAX_ENTRIES = 20_000
#: Errors that mean "Redis is not there", as opposed to a bad command.
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

# Per process (backend instances are per thread): location -> monotonic time
# until which Redis is skipped; absent when Redis is believed up.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


#: KEYS: the counter, its window's end; ARGV: the window in seconds, its end
#: (whole seconds since the epoch). Both stored as integers, which Django's
#: Redis serializer reads back as such (``windows.retry_after``).
_COUNT_WINDOW = """
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


def count_in(cache: Any, key: str, window: int, until: int) -> int:
    """The same count with plain cache operations (any Django cache)."""
    cache.add(f"{key}:until", until, timeout=window)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=window)
        return 1


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` per pool.

    Django builds a new ``redis.Redis`` for every operation: as much CPU as
    the round trip itself (~0.05 ms), on every session read and every
    shared fragment of a page (issue 17). The client is a thin wrapper of
    its connection pool and safe to share between threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SentinelCacheClient(ReusingRedisCacheClient):
    """Django's Redis cache client whose one pool asks Sentinel for the master
    (``SentinelConnectionPool``): after a failover the next connection goes to
    the new master, and until one is elected operations raise ``ConnectionError``
    (``MasterNotFoundError``), which the memory fallback below catches."""

    def _get_connection_pool(self, write: bool) -> Any:
        if 0 not in self._pools:
            target = parse_redis_url(self._servers[0], "the cache LOCATION")
            options = {k: v for k, v in self._pool_options.items() if k.startswith("socket_")}
            sentinel = target.sentinel(**options)
            self._pools[0] = sentinel.master_for(
                target.service,
                connection_pool_class=SentinelConnectionPool,
                **target.master_kwargs(),
                **self._pool_options,
            ).connection_pool
        return self._pools[0]


class SentinelAwareRedisCache(RedisCache):
    """``RedisCache`` whose LOCATION may also be a ``sentinel://`` URL
    (``civicideas.ops.redis_urls``): one Sentinel group, not a list of servers."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        if isinstance(server, str) and parse_redis_url(server, "the cache LOCATION").is_sentinel:
            # Django would split the Sentinel list on its commas into servers.
            self._servers = [server]
            self._class = SentinelCacheClient


class ResilientRedisCache(SentinelAwareRedisCache):
    """``RedisCache`` that falls back to process memory while Redis is down."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._server = server
        self._params = params
        self._location = f"{server}|{self.key_prefix}"
        memory_params = {**params, "OPTIONS": {"MAX_ENTRIES": MEMORY_MAX_ENTRIES}}
        # LocMemCache shares its storage between instances of the same name,
        # so every thread of this process sees the same fallback counters.
        self.memory = LocMemCache(f"resilient:{self._location}", memory_params)

    @cached_property
    def primary(self) -> RedisCache:
        """The same Redis without the fallback, for callers that would rather
        have nothing than a per-process copy; their calls may raise."""
        return SentinelAwareRedisCache(self._server, self._params)

    @cached_property
    def _where(self) -> str:
        """The server (or Sentinels and service) for log lines, without a password."""
        if isinstance(self._server, str):
            if parse_redis_url(self._server, "the cache LOCATION").is_sentinel:
                return parse_redis_url(self._server).location
            servers = re.split("[;,]", self._server)  # as Django splits them
        else:
            servers = list(self._server)
        return ", ".join(parse_redis_url(str(one)).location for one in servers)

    @property
    def degraded(self) -> bool:
        """True while this process serves the cache from memory."""
        until = _down_until.get(self._location)
        return until is not None and time.monotonic() < until

    def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.degraded:
            return getattr(self.memory, name)(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._went_down(exc)
            return getattr(self.memory, name)(*args, **kwargs)
        if self._location in _down_until:
            with _lock:
                was_down = _down_until.pop(self._location, None) is not None
            if was_down:
                logger.info("Redis cache at %s answers again; limits use Redis.", self._where)
        return result

    def _went_down(self, exc: Exception) -> None:
        with _lock:
            first = self._location not in _down_until
            _down_until[self._location] = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Redis cache at %s is unreachable (%s: %s); rate limits, throttles "
                "and cached values use this process's memory until it answers.",
                self._where,
                type(exc).__name__,
                exc,
            )

    def count_window(self, key: str, window: int, until: int) -> int:
        """Add one to ``key``'s fixed window in one round trip (a Lua script:
        start the window and its end marker if absent, increment, give the
        counter the window's expiry on its first count); the new count.
        Three commands were three round trips on every limited POST. Falls
        back to the memory cache like every other operation."""
        if not self.degraded:
            try:
                client = self._cache.get_client(key, write=True)
                count = client.register_script(_COUNT_WINDOW)(
                    keys=[
                        self.make_and_validate_key(key),
                        self.make_and_validate_key(f"{key}:until"),
                    ],
                    args=[window, until],
                )
            except UNAVAILABLE as exc:
                self._went_down(exc)
            else:
                return int(count)
        return count_in(self.memory, key, window, until)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        # Both: counters kept in memory during an outage must not outlive a clear.
        self.memory.clear()
        return self._run("clear")


def forget_outages() -> None:
    """Treat Redis as up again everywhere in this process (tests, after a restart)."""
    with _lock:
        _down_until.clear()
