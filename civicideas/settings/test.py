"""Test settings: the real PostgreSQL and Redis, with a Redis database and key
prefix of their own so tests never touch a developer's running platform."""

from civicideas.ops.redis_urls import parse_redis_url

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_REDBEAT_REDIS_OPTIONS, env

SECRET_KEY = "test-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PUBLIC_URL_SCHEME = "http"
PUBLIC_URL_PORT = None
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
# Plain Redis or Sentinel, derived as in celery.py (civicideas/ops/redis_urls.py).
_redis = parse_redis_url(REDIS_URL, "TEST_REDIS_URL")
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = env("TEST_CACHE_KEY_PREFIX", default="civicideas-test")
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = _redis.celery_url
CELERY_BROKER_REDIS_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    **_redis.celery_transport_options,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = _redis.celery_transport_options
CELERY_REDBEAT_REDIS_URL = _redis.redbeat_url
CELERY_REDBEAT_REDIS_OPTIONS = _redis.redbeat_options(CELERY_REDBEAT_REDIS_OPTIONS)
CELERY_REDBEAT_KEY_PREFIX = f"{CACHES['default']['KEY_PREFIX']}:beat:"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SERVE_MEDIA = True
# Static files come from the app directories (finders); nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# No test reaches the internet: by default the maps have no tile server (a
# plain background); tests that need tiles give a city its own tile URL and
# answer it locally (tests/e2e/test_map_tiles_and_location.py).
MAP_TILE_URL = ""
