"""Test settings: the real PostgreSQL and Redis, with a Redis database and key
prefix of their own so tests never touch a developer's running platform."""

from .base import *  # noqa: F403
from .base import CACHES, env

SECRET_KEY = "test-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PUBLIC_URL_SCHEME = "http"
PUBLIC_URL_PORT = None
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = env("TEST_CACHE_KEY_PREFIX", default="civicideas-test")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_KEY_PREFIX = f"{CACHES['default']['KEY_PREFIX']}:beat:"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SERVE_MEDIA = True
# Static files come from the app directories (finders); nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
