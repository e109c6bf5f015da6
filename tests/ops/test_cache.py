"""The default cache backend falls back to process memory when Redis does
not answer, quickly, with one warning per outage (``civicideas.ops.cache``)."""

from __future__ import annotations

import logging
import math
import time

import pytest
from django.core.cache import caches

from civicideas.ops import cache as resilient
from civicideas.ops.cache import ResilientRedisCache


@pytest.fixture
def dead(closed_port):
    resilient.forget_outages()
    backend = ResilientRedisCache(
        f"redis://127.0.0.1:{closed_port}/0",
        {"KEY_PREFIX": "dead", "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )
    backend.memory.clear()
    yield backend
    resilient.forget_outages()


def test_the_default_cache_is_the_resilient_one_and_uses_redis():
    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache)
    backend.set("probe", 1)
    assert backend.primary.get("probe") == 1  # in Redis, not in memory
    assert not backend.degraded


def test_every_operation_works_without_redis(dead, caplog):
    caplog.set_level(logging.WARNING, logger="civicideas.ops.cache")
    started = time.monotonic()
    assert dead.add("n", 1, timeout=60) is True
    assert dead.add("n", 5) is False
    assert dead.incr("n") == 2
    assert dead.decr("n") == 1
    with pytest.raises(ValueError):
        dead.incr("missing")
    dead.set_many({"a": 1, "b": [2]})
    assert dead.get_many(["a", "b", "c"]) == {"a": 1, "b": [2]}
    assert dead.has_key("a") and dead.touch("a", 10)
    dead.delete_many(["a"])
    assert dead.get("a", "gone") == "gone"
    assert dead.get_or_set("c", 3) == 3
    assert dead.delete("c") is True
    dead.clear()
    assert dead.get("n") is None
    assert dead.degraded
    assert time.monotonic() - started < 3
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


def test_redis_is_tried_again_after_the_pause(dead, monkeypatch):
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 0.2)
    dead.set("k", 1)
    assert dead.degraded
    time.sleep(0.3)
    assert not dead.degraded
    assert dead.get("k") == 1  # tried Redis, failed again, memory answered
    assert dead.degraded


def test_the_primary_has_no_fallback(dead):
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):
        dead.primary.get("k")


def test_a_window_is_counted_in_one_round_trip_with_its_expiry():
    """``count_window`` (the form limits' and password guesses' counter):
    counts up, gives the counter and its end marker the window's expiry, and
    its end reads back as a whole number of seconds."""
    from civicideas.web import windows

    backend = caches["default"]
    backend.delete_many(["w", "w:until"])
    # A whole second plus a fraction: the window ends at the next whole second
    # after now + 60, so the answers below do not depend on when the test runs.
    now = math.floor(time.time()) + 0.7
    assert [windows.count("w", 60, now) for _ in range(3)] == [1, 2, 3]
    client = backend._cache.get_client("w", write=True)
    for key in ("w", "w:until"):
        assert 0 < client.ttl(backend.make_and_validate_key(key)) <= 60
    assert backend.get("w") == 3
    assert backend.get("w:until") == math.floor(now) + 61
    assert windows.retry_after("w", 60, now) == 60
    assert windows.retry_after("w", 60, now + 45.5) == 15  # 14.8 s, rounded up
    assert windows.retry_after("w", 60, now + 59.9) == 1
    windows.uncount("w")
    assert windows.count("w", 60, now) == 3


def test_a_counter_left_without_expiry_gets_one():
    backend = caches["default"]
    client = backend._cache.get_client("stuck", write=True)
    client.set(backend.make_and_validate_key("stuck"), 7)  # no TTL
    assert backend.count_window("stuck", 30, int(time.time()) + 30) == 8
    assert 0 < client.ttl(backend.make_and_validate_key("stuck")) <= 30


def test_a_window_is_counted_in_memory_without_redis(dead):
    until = int(time.time()) + 60
    assert [dead.count_window("w", 60, until) for _ in range(3)] == [1, 2, 3]
    assert dead.degraded
    assert dead.memory.get("w:until") == until
