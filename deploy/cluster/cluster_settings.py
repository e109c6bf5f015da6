"""Settings of the web nodes and worker of `make cluster-test` (deploy/cluster/).

Production-like (no debug, persistent connections, the configured Redis or
Sentinel URL for cache, broker and beat) but plain HTTP on loopback, static
files from the app directories (nothing collected), uploads in a scratch
directory and e-mails discarded: the test checks that notifications leave the
outbox, not that a mail server received them.
"""

import os

from civicideas.settings.base import *  # noqa: F403
from civicideas.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="cluster-test-only-insecure-key-0123456789-abcdefghijklmn")
ALLOWED_HOSTS = ["*"]
PUBLIC_URL_SCHEME = "http"
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405 - persistent, as in production
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = os.environ.get("CLUSTER_MEDIA_ROOT", "/tmp/civicideas-cluster-media")  # noqa: S108
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
# Requests are not logged one by one (thousands of lines); 5xx answers and
# errors still are (WARNING and above), so a failure can be read afterwards.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
# The outbox sweep (beat, every minute) re-queues what is pending after 5 s
# instead of a minute, so the test can wait for it.
NOTIFICATIONS_SWEEP_AFTER_SECONDS = 5
