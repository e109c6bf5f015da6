"""Everything the platform needs, configured from the environment (12-factor).

Development defaults work with zero configuration on a machine with PostgreSQL
and Redis on localhost; ``production`` removes the defaults that must never
reach a real city (secret key, debug, plain HTTP).

This module holds what the whole site is made of (hosts, apps, middleware,
templates) and gathers one module per concern, so ``from .base import X``
finds every setting: ``database`` (PostgreSQL, replica, backups), ``caches``
(Redis, the page cache), ``auth`` (accounts, sessions, rate limits), ``i18n``,
``files`` (static files and uploads; their storage in ``storage``), ``mail``,
``celery`` (queues, routes, beat), ``security`` (headers, CSP), ``api`` (REST
framework, schema) and ``monitoring`` (logs, metrics, Sentry). Each reads the
environment through ``environment.env``.
"""

from .api import *  # noqa: F403
from .auth import *  # noqa: F403
from .caches import *  # noqa: F403
from .celery import *  # noqa: F403
from .database import *  # noqa: F403
from .environment import BASE_DIR, env
from .files import *  # noqa: F403
from .i18n import *  # noqa: F403
from .mail import *  # noqa: F403
from .monitoring import *  # noqa: F403
from .security import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")

# The Domain table is the authority on which hosts are served (see
# civicideas.tenancy.middleware); ALLOWED_HOSTS only narrows it further.
# Django still rejects syntactically invalid Host headers with a 400.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])

# Host serving the platform pages (list of cities, platform admin).
PLATFORM_HOST = env("PLATFORM_HOST", default="localhost").lower().rstrip(".")
# How links to a city are built outside a request (emails, tasks): scheme and
# optional port of the public URL, the host being the city's primary domain.
PUBLIC_URL_SCHEME = env("PUBLIC_URL_SCHEME", default="https")
PUBLIC_URL_PORT = env.int("PUBLIC_URL_PORT", default=None)

INSTALLED_APPS = [
    "civicideas.tenancy.admin_apps.CivicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "civicideas.tenancy",
    "civicideas.accounts",
    "civicideas.ops",
    "civicideas.pages",
    "civicideas.notifications",
    "civicideas.apitokens",
    "civicideas.demo",
    "ideas",
    "evaluation",
    "sponsors",
    "projects",
    "exchange",
    "civicideas.statistics",
    "events",
]

# The first four set response headers and stay outermost, so every response
# carries them, including the answers of the middlewares below that return
# early (static files, /healthz, an unknown host's 404), error pages and
# redirects (docs/security.md, "Headers and caching"), including the 503 that
# handler500 gives when the database is down (docs/security.md, "Faults").
# RequestLogMiddleware comes right after them: it gives every request its id
# (X-Request-ID), counts its queries and writes its log line and metrics,
# whoever answers it; /metrics, like /healthz, is answered on any host before
# the city middleware (docs/operations.md, "Logs" and "Metrics").
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civicideas.cache_policy.PrivatePageMiddleware",
    "civicideas.ops.request_log.RequestLogMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civicideas.ops.middleware.HealthCheckMiddleware",
    "civicideas.ops.metrics.MetricsMiddleware",
    "civicideas.tenancy.middleware.CityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicideas.tenancy.middleware.CityLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicideas.accounts.middleware.SessionCityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "civicideas.accounts.middleware.PrivacyConsentMiddleware",
]

ROOT_URLCONF = "civicideas.urls"
WSGI_APPLICATION = "civicideas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicideas.tenancy.context_processors.city",
                "civicideas.pages.context_processors.site",
            ],
        },
    },
]

# --- Maps (ideas on a map, docs/maps.md) ------------------------------------
# The platform's default tile server for the cities that have not chosen
# their own (City.map_tile_url): a URL template and the attribution its
# licence asks for (plain text, and the page it links to). Unset, OpenStreetMap's
# standard tiles; set to empty, the maps show their markers on a plain
# background and nothing is fetched from another site (tests, offline).
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")
MAP_TILE_ATTRIBUTION_URL = env(
    "MAP_TILE_ATTRIBUTION_URL", default="https://www.openstreetmap.org/copyright"
)

# --- Demo ------------------------------------------------------------------
DEMO_PASSWORD = env("DEMO_PASSWORD", default="civicideas-demo")

# Date of the last accessibility assessment, shown in the accessibility
# statement (ISO date; docs/accessibility.md).
ACCESSIBILITY_ASSESSED_ON = env("ACCESSIBILITY_ASSESSED_ON", default="2026-12-03")

# Where the platform's source code is offered to its users (AGPL-3.0 section
# 13): the footer links to it. A deployment running modified code must point
# it at that code.
SOURCE_CODE_URL = env("SOURCE_CODE_URL", default="https://github.com/civicideas/civicideas")

# Extra evidence providers of the practice exchange (dotted paths; see
# exchange/evidence.py and docs/exchange.md): e.g. the city projects' figures.
EXCHANGE_EVIDENCE_PROVIDERS: list[str] = ["projects.evidence.projects_provider"]

# Days an invitation to claim an idea keeps its address once expired and
# unclaimed; the nightly ``ideas.invitations_sweep`` then blanks it
# (docs/offline.md, docs/privacy.md "Retention").
OFFLINE_INVITATION_KEEP_DAYS = env.int("OFFLINE_INVITATION_KEEP_DAYS", default=90)
