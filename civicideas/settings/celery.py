"""Celery: broker and results in Redis, the queues and routes by kind of
work, time limits, and beat's schedule (docs/operations.md, "Queues").

Each app adds its periodic tasks to ``CELERY_BEAT_SCHEDULE`` here."""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from civicideas.ops.redis_urls import parse_redis_url

from .caches import REDIS_URL
from .environment import env

# CELERY_BROKER_URL and CELERY_RESULT_BACKEND are kombu's and Celery's spelling
# of the configured URL; CELERY_BROKER_REDIS_URL keeps the configured one for
# the health check and the queue metrics.
_broker = parse_redis_url(env("CELERY_BROKER_URL", default=REDIS_URL), "CELERY_BROKER_URL")
_results = parse_redis_url(env("CELERY_RESULT_BACKEND", default=REDIS_URL), "CELERY_RESULT_BACKEND")
CELERY_BROKER_URL = _broker.celery_url
CELERY_BROKER_REDIS_URL = _broker.url if _broker.is_redis else ""
CELERY_RESULT_BACKEND = _results.celery_url
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = _results.celery_transport_options
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task queued while Redis is down must not hang the request that queued it.
# A message taken by a worker that then vanishes is given to another worker
# after `visibility_timeout` seconds (late acknowledgement, Redis transport);
# every task must finish well within it, hence the hard time limit below it.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
if CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT, or a slow task "
        "would be handed to a second worker while the first still runs it."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    **_broker.celery_transport_options,
}
# Queues by kind of work, so that one kind never waits behind another
# (docs/operations.md, "Queues"). A worker started without -Q consumes them
# all; a large deployment gives each its own workers.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name) for name in ("celery", "notifications", "matching", "exports", "periodic")
]
CELERY_TASK_ROUTES = {
    # The beat entries: each fans out per city and returns at once.
    "notifications.sweep": {"queue": "periodic"},
    "notifications.digests": {"queue": "periodic"},
    "evaluation.due_reminders": {"queue": "periodic"},
    "sponsors.nightly_recompute": {"queue": "periodic"},
    "accounts.purge_exports": {"queue": "periodic"},
    "accounts.retention": {"queue": "periodic"},
    "accounts.retention_city": {"queue": "celery"},
    "statistics.refresh": {"queue": "periodic"},
    "events.reminders": {"queue": "periodic"},
    "ideas.invitations_sweep": {"queue": "periodic"},
    # Bulk file work, like the exports: an import never delays a notification.
    "ideas.import_batch": {"queue": "exports"},
    "civicideas.ops.tasks.*": {"queue": "periodic"},
    "notifications.*": {"queue": "notifications"},
    "sponsors.*": {"queue": "matching"},
    "accounts.*": {"queue": "exports"},
    # Long bulk work (minutes for a large file): beside the exports.
    "projects.import_csv": {"queue": "exports"},
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0}
# Celery beat's schedule lives in code (django-celery-beat does not support
# Django 6.1); each app adds its periodic tasks here. Beat keeps it in Redis
# (celery-redbeat) under a lock, so a beat may run on several hosts: one sends,
# the others wait and take over within CELERY_REDBEAT_LOCK_TIMEOUT seconds
# when it stops.
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 30
_beat = parse_redis_url(env("CELERY_BEAT_REDIS_URL", default=_broker.url), "CELERY_BEAT_REDIS_URL")
CELERY_REDBEAT_REDIS_URL = _beat.redbeat_url
CELERY_REDBEAT_REDIS_OPTIONS = _beat.redbeat_options(
    {"socket_connect_timeout": 2, "socket_timeout": 5}
)
CELERY_REDBEAT_KEY_PREFIX = "civicideas:beat:"
CELERY_REDBEAT_LOCK_TIMEOUT = env.int("CELERY_BEAT_LOCK_TIMEOUT", default=5 * 30)
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "civicideas.ops.tasks.clear_expired_sessions",
        "schedule": 60 * 60 * 6,
    },
    # Re-queue notifications still pending after a minute (docs/notifications.md).
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60},
    # Daily and weekly digests; the first run of a period sends, later runs retry.
    "notifications-digests": {"task": "notifications.digests", "schedule": 60 * 60},
    # Data exports are downloadable for 24 h; expired archives go (docs/privacy.md).
    "accounts-purge-exports": {"task": "accounts.purge_exports", "schedule": 60 * 60},
    # "Evaluation due soon" reminders, once per evaluator and challenge (docs/evaluation.md).
    "evaluation-due-reminders": {"task": "evaluation.due_reminders", "schedule": 60 * 60},
    # Old notifications and never-confirmed accounts deleted (docs/privacy.md "Retention").
    "accounts-retention": {"task": "accounts.retention", "schedule": crontab(hour=2, minute=40)},
    # Addresses of invitations expired long ago and never claimed blanked (docs/offline.md).
    "ideas-invitations-sweep": {
        "task": "ideas.invitations_sweep",
        "schedule": crontab(hour=2, minute=55),
    },
    # Every city's statistics recomputed into the cache (docs/statistics.md).
    "statistics-refresh": {"task": "statistics.refresh", "schedule": 60 * 60},
    # "Your event is tomorrow" reminders, once per registration (docs/events.md).
    "events-reminders": {"task": "events.reminders", "schedule": 60 * 60},
    # Full sponsor ↔ initiative match recompute of every city (docs/matchmaking.md).
    "sponsors-nightly-matches": {
        "task": "sponsors.nightly_recompute",
        "schedule": crontab(hour=3, minute=15),
    },
}
