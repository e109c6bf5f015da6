"""Logs, metrics and error tracking (docs/operations.md): the log format,
the metrics endpoints' token and port, Sentry or e-mail to ADMINS."""

from civicideas.ops.logs import logging_config
from civicideas.ops.sentry import init_sentry

from .environment import env

# One JSON object per line (LOG_FORMAT=json, production's default) or one
# readable line (text), each with the request id, city and user id
# (civicideas/ops/logs.py).
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="text")
# Bearer token of GET /metrics (Prometheus format); no token: no endpoint.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# A Celery worker serves its own metrics on this port when set (no token:
# bind CELERY_METRICS_ADDRESS to a private interface).
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=None)
CELERY_METRICS_ADDRESS = env("CELERY_METRICS_ADDRESS", default="127.0.0.1")
# Errors go to Sentry when SENTRY_DSN is set (personal data scrubbed,
# civicideas/ops/sentry.py); otherwise, when ADMINS (comma-separated
# addresses) is set, they are e-mailed to ADMINS.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
ADMINS = env.list("ADMINS", default=[])
init_sentry(
    SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
LOGGING = logging_config(
    log_format=LOG_FORMAT, level=LOG_LEVEL, mail_admins=bool(ADMINS) and not SENTRY_DSN
)
