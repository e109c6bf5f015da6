"""Production: no default secret, HTTPS everywhere, strict cookies.

``manage.py check --deploy --fail-level WARNING`` passes with these settings
and nothing else but SECRET_KEY (and DATABASE_URL) set
(tests/ops/test_deploy_check.py). The Content Security Policy (Django 6's
``SECURE_CSP``), nosniff, the referrer and opener policies and clickjacking
protection are in ``base`` because development should break the same way.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ADMINS, LOG_LEVEL, SENTRY_DSN, env, logging_config

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to at least 50 random characters, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(60))'`."
    )

PUBLIC_URL_SCHEME = "https"
# TLS ends at the load balancer / reverse proxy, which must set this header
# (and strip it from clients' requests).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The __Host- prefix makes browsers refuse these cookies unless they are
# Secure, host-only and for path /, so a sibling host (another city's
# subdomain) cannot plant a session or CSRF cookie for this one.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Log shippers parse one JSON object per line (civicideas/ops/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(
    log_format=LOG_FORMAT, level=LOG_LEVEL, mail_admins=bool(ADMINS) and not SENTRY_DSN
)
