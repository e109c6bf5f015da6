"""Redis as the cache: rate limits, throttles, sessions and the anonymous
page cache. The Celery broker's URL defaults to the same Redis
(``civicideas/settings/celery.py``)."""

from civicideas.ops.redis_urls import parse_redis_url

from .environment import env

# Every Redis URL is redis://host:port/db or, through Redis Sentinel,
# sentinel://[:password@]host1:26379,host2:26379/<service>[/<db>]
# (civicideas/ops/redis_urls.py, docs/operations.md "Redis Sentinel").
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
parse_redis_url(REDIS_URL, "REDIS_URL")  # a malformed Sentinel URL stops here
# Redis, falling back to per-process memory while Redis is down so that rate
# limits and throttles keep working (civicideas/ops/cache.py, docs/security.md).
CACHES = {
    "default": {
        "BACKEND": "civicideas.ops.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="civicideas"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Whole pages for anonymous visitors (civicideas/web/page_cache.py); 0 turns it off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
