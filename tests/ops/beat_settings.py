"""Settings for the beat processes that tests/ops/test_beat.py starts: one
periodic entry every second, sent to a queue of the test's own, and a short
lock so that a stand-by beat takes over quickly."""

import os

from civicideas.settings.test import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "tick": {
        "task": "tests.ops.beat_tick",
        "schedule": 1.0,
        "options": {"queue": os.environ["BEAT_TEST_QUEUE"]},
    }
}
CELERY_REDBEAT_KEY_PREFIX = os.environ["BEAT_TEST_PREFIX"]
CELERY_REDBEAT_LOCK_TIMEOUT = 3
CELERY_BEAT_MAX_LOOP_INTERVAL = 1
