"""The one parser of Redis URLs (``civicideas.ops.redis_urls``): plain URLs
pass unchanged, ``sentinel://`` URLs become each library's spelling, and a
malformed one stops the settings with a sentence naming the variable and the
expected form."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from civicideas.ops.health import redis_location
from civicideas.ops.redis_urls import FORM, parse_redis_url
from tests.ops.conftest import manage

FULL = "sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/civic/2"


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "rediss://:pw@cache.example:6380/4",
        "unix:///run/redis.sock?db=1",
        "amqp://guest@rabbit//",
    ],
)
def test_other_urls_pass_unchanged(url):
    target = parse_redis_url(url)
    assert not target.is_sentinel
    assert (target.celery_url, target.redbeat_url, target.celery_transport_options) == (
        url,
        url,
        {},
    )
    assert target.redbeat_options({"socket_timeout": 5}) == {"socket_timeout": 5}
    assert target.is_redis == (not url.startswith("amqp"))


def test_sentinel_url_gives_each_library_its_spelling():
    target = parse_redis_url(FULL)
    assert target.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26380))
    assert (target.service, target.db, target.password, target.username) == (
        "civic",
        2,
        "s3cret",
        None,
    )
    assert target.celery_url == (
        "sentinel://:s3cret@10.0.0.1:26379/2;sentinel://:s3cret@10.0.0.2:26380/2"
    )
    assert target.celery_transport_options == {"master_name": "civic"}
    assert target.redbeat_url == "redis-sentinel://10.0.0.1:26379/2"
    assert target.redbeat_options({"socket_timeout": 5}) == {
        "socket_timeout": 5,
        "sentinels": [("10.0.0.1", 26379), ("10.0.0.2", 26380)],
        "service_name": "civic",
        "db": 2,
        "password": "s3cret",
    }
    assert target.master_kwargs() == {"db": 2, "password": "s3cret"}


def test_defaults_ipv6_and_sentinel_password():
    target = parse_redis_url("sentinel://sentinel-a,[::1]:26390/main?sentinel_password=p%40ss")
    assert target.sentinels == (("sentinel-a", 26379), ("::1", 26390))
    assert (target.service, target.db, target.password) == ("main", 0, None)
    assert target.sentinel_password == "p@ss"
    assert target.celery_url == "sentinel://sentinel-a:26379/0;sentinel://[::1]:26390/0"
    assert target.celery_transport_options == {
        "master_name": "main",
        "sentinel_kwargs": {"password": "p@ss"},
    }
    assert "p@ss" not in repr(target)


def test_location_never_shows_the_password():
    assert redis_location(FULL) == (
        "the master of 'civic' per Sentinel 10.0.0.1:26379,10.0.0.2:26380"
    )
    assert redis_location("redis://:s3cret@cache:6380/1") == "cache:6380"
    assert "s3cret" not in redis_location("sentinel://:s3cret@h:1,/x")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sentinel://10.0.0.1:26379", "service name"),
        ("sentinel://10.0.0.1:26379/", "service name"),
        ("sentinel://10.0.0.1:26379//2", "service name"),
        ("sentinel:///civic/0", "Sentinel host is missing"),
        ("sentinel://:pw@/civic/0", "Sentinel host is missing"),
        ("sentinel://h1,,h2/civic", "Sentinel host is missing"),
        ("sentinel://h1,/civic", "Sentinel host is missing"),
        ("sentinel://h1:abc/civic", "not a port number"),
        ("sentinel://h1:0/civic", "not a port number"),
        ("sentinel://h1:65536/civic", "not a port number"),
        ("sentinel://h1:99999999999999999999/civic", "not a port number"),
        ("sentinel://h1:2\uff16379/civic", "not a port number"),  # a fullwidth digit
        ("sentinel://:26379/civic", "has no host"),
        ("sentinel://h1/civic/two", "not a number"),
        ("sentinel://h1/civic/-1", "not a number"),
        ("sentinel://h1/civic/0/extra", "too many path parts"),
        ("sentinel://h1/civic?master=x", "unknown option"),
        ("sentinel://h1:26379;sentinel://h2:26379/0", "with commas"),
        ("sentinel://h1:26379/0", "the service name comes first"),
    ],
)
def test_malformed_sentinel_urls_are_refused_clearly(url, reason):
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_redis_url(url, "CELERY_BROKER_URL")
    message = str(raised.value)
    assert message.startswith("CELERY_BROKER_URL: ")
    assert reason in message
    assert message.endswith(f"expected {FORM}.")


@pytest.mark.slow
def test_settings_refuse_a_malformed_sentinel_url_at_start():
    result = manage(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "civicideas.settings.dev",
            "REDIS_URL": "sentinel://:s3cret@10.0.0.1:26379",
        },
    )
    assert result.returncode != 0
    assert "REDIS_URL: the Sentinel service name" in result.stderr
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize(
    "location",
    [
        "redis://:s3cret@127.0.0.1:{port}/0",
        "sentinel://:s3cret@127.0.0.1:{port}/civic/0",
    ],
)
def test_cache_falls_back_to_memory_and_logs_no_password(location, closed_port, caplog):
    """Sentinels that do not answer are an outage like a server that does not
    (``MasterNotFoundError`` is a ``ConnectionError``), and the warning names
    the place without the password."""
    from civicideas.ops.cache import ResilientRedisCache, forget_outages

    url = location.format(port=closed_port)
    cache = ResilientRedisCache(
        url,
        {"KEY_PREFIX": f"fallback-{closed_port}", "OPTIONS": {"socket_connect_timeout": 1}},
    )
    caplog.set_level("WARNING", logger="civicideas.ops.cache")
    try:
        cache.set("k", "v")
        assert cache.get("k") == "v"
        assert cache.degraded
    finally:
        forget_outages()
    warning = " ".join(record.getMessage() for record in caplog.records)
    assert f"127.0.0.1:{closed_port}" in warning
    assert "s3cret" not in warning
