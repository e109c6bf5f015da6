"""Settings for the load test: production-like (no debug, persistent
connections), plain HTTP on loopback, plus the baseline view's URL."""

from civicideas.settings.base import *  # noqa: F403
from civicideas.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="benchmark-only-insecure-key-0123456789-abcdefghijklmnop")
ROOT_URLCONF = "civicideas.benchmarks.urls"
ALLOWED_HOSTS = ["*"]
PUBLIC_URL_SCHEME = "http"
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405 - persistent, as in production
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
INSTALLED_APPS = [*INSTALLED_APPS, "civicideas.benchmarks"]  # noqa: F405
