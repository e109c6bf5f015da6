"""Settings of a Celery worker started as a subprocess by the fault tests:
the test settings, with the broker and the email backend from the test."""

import os

from civicideas.settings.test import *  # noqa: F403

CELERY_BROKER_URL = os.environ["NOTIFICATIONS_TEST_BROKER"]
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
MAILERS = {"default": {"BACKEND": "tests.notifications.backends.FileBackend"}}
NOTIFICATIONS_SWEEP_AFTER_SECONDS = 0
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
