"""Everything the platform needs, configured from the environment (12-factor).

Development defaults work with zero configuration on a machine with PostgreSQL
and Redis on localhost; ``production`` removes the defaults that must never
reach a real city (secret key, debug, plain HTTP).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from civicideas.ops.logs import logging_config
from civicideas.ops.redis_urls import parse_redis_url
from civicideas.ops.sentry import init_sentry

from .storage import default_storage_from_url, is_local, media_csp_sources

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

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

# --- Database -------------------------------------------------------------
# The application connects as a role without SUPERUSER or BYPASSRLS, so the
# row-level security policies apply to it (see docs/architecture.md).
DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default="postgres://civicideas:civicideas@127.0.0.1:5432/civicideas",
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# Behind PgBouncer in transaction mode (deploy/pgbouncer/), two statements of
# one session may reach different server connections: no server-side cursors,
# no prepared statements. The city of a transaction is set with
# set_config(..., true) and ends with it, so the tenancy holds there.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
# Or Django's own psycopg pool in each process (a connection per request
# from the pool instead of one kept per thread); it replaces CONN_MAX_AGE.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
# A streaming read replica of the same cluster, for anonymous page reads
# (civicideas/ops/replicas.py, docs/operations.md "Read replicas"). A browser
# that has just written reads from the primary for REPLICA_PIN_SECONDS.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
DATABASE_ROUTERS = ["civicideas.ops.replicas.ReplicaRouter"]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            key: value for key, value in DATABASES["default"]["OPTIONS"].items() if key != "pool"
        },
        "DISABLE_SERVER_SIDE_CURSORS": DATABASES["default"].get(
            "DISABLE_SERVER_SIDE_CURSORS", False
        ),
        # Tests read the replica through the primary's test database.
        "TEST": {"MIRROR": "default"},
    }
# Used only by `manage.py setup_database` (to create the role and database)
# and by `manage.py backup`/`restore`, which must not be bound by row-level
# security (a superuser or a BYPASSRLS role; docs/operations.md, "Backups").
DATABASE_ADMIN_URL = env(
    "DATABASE_ADMIN_URL", default="postgres://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# `manage.py backup` writes here unless given --output; pg_dump and
# pg_restore come from PATH unless POSTGRES_BIN_DIR names their directory
# (e.g. /usr/lib/postgresql/16/bin to match a newer server).
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
POSTGRES_BIN_DIR = env("POSTGRES_BIN_DIR", default="")

# --- Redis: cache (rate limits, throttles, page cache), Celery broker -----
# Every Redis URL is redis://host:port/db or, through Redis Sentinel,
# sentinel://[:password@]host1:26379,host2:26379/<service>[/<db>]
# (civicideas/ops/redis_urls.py, docs/operations.md "Redis Sentinel").
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
parse_redis_url(REDIS_URL, "REDIS_URL")  # a malformed Sentinel URL stops here
# Redis, falling back to per-process memory while Redis is down so that rate
# limits and throttles keep working (civicideas/ops/cache.py, docs/security.md).
CACHES = {
    "default": {
        "BACKEND": "civicideas.ops.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="civicideas"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Whole pages for anonymous visitors (civicideas/web/page_cache.py); 0 turns it off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)

# --- Authentication (django-allauth, email login) --------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "civicideas.tenancy.backends.CityRoleBackend",
    "civicideas.accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "civicideas.accounts.adapter.CityAccountAdapter"
ACCOUNT_FORMS = {"signup": "civicideas.accounts.forms.CitySignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's rate limits are kept in the default cache. Failed passwords are
# not among them: one budget per account and per client IP, shared with the
# API's token endpoint, is kept by civicideas.accounts.guesses.
# Sign-ups and password-reset requests are limited per IP (and resets per
# address too); the refusal is the site's 429 page (handler429 in
# civicideas/urls.py). docs/privacy.md "Limits".
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    "signup": env("ACCOUNT_RATE_LIMIT_SIGNUP", default="5/h/ip"),
    "reset_password": env("ACCOUNT_RATE_LIMIT_RESET_PASSWORD", default="10/h/ip,3/h/key"),
}
# What the 429 page after an allauth refusal tells people to wait (seconds):
# the longest window above (allauth does not say which one was hit).
ACCOUNT_RATE_LIMIT_RETRY_AFTER = env.int("ACCOUNT_RATE_LIMIT_RETRY_AFTER", default=60 * 60)


def form_rate_limits(defaults: dict[str, tuple[str, str]], override: str) -> dict:
    """``FORM_RATE_LIMITS`` from its defaults and the environment's
    ``action=per-person|per-ip`` pairs (``comment=20/h|60/h,idea=5/h|20/h``;
    an empty side means no limit)."""
    limits = dict(defaults)
    for item in filter(None, (part.strip() for part in override.split(","))):
        action, _, rates = item.partition("=")
        per_person, _, per_ip = rates.partition("|")
        if action.strip() not in limits:
            raise ImproperlyConfigured(f"FORM_RATE_LIMITS: unknown action {action!r}")
        limits[action.strip()] = (per_person.strip(), per_ip.strip())
    return limits


# Date of the last accessibility assessment, shown in the accessibility
# statement (ISO date; docs/accessibility.md).
ACCESSIBILITY_ASSESSED_ON = env("ACCESSIBILITY_ASSESSED_ON", default="2026-12-03")

# Browser forms that write, per person and per client IP (civicideas/web/ratelimit.py):
# "count/period" with s, m, h, d (and a multiple: "20/10m"); then 429.
FORM_RATE_LIMITS = form_rate_limits(
    {
        "idea": ("5/h", "20/h"),
        "comment": ("20/h", "60/h"),
        "flag": ("10/h", "30/h"),
        "support": ("60/h", "200/h"),
        "offer": ("10/h", "30/h"),
        "group": ("3/d", "10/d"),
    },
    env("FORM_RATE_LIMITS", default=""),
)
# Failed passwords allowed per account and per client IP within
# LOGIN_FAILURE_WINDOW seconds, on every way in (sign-in form, admin sign-in,
# POST /api/v1/auth/token/); then 429 with Retry-After until the window ends.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_IP = env.int("LOGIN_FAILURE_LIMIT_PER_IP", default=20)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Sessions are read from the cache (Redis), written through to the database:
# a signed-in page makes no session query (docs/performance.md, issue 17).
# Whatever ends sessions deletes them through the session store, which clears
# both (civicideas.accounts.erasure._delete_sessions).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Cookies are host-only: a session on riverton is not a session on lakeside.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
# A CSRF refusal under /api/ is JSON in the API's error shape; pages keep Django's.
CSRF_FAILURE_VIEW = "civicideas.api.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation --------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Stored and compared in UTC; shown in the city's zone, which city_context
# activates for every request, task and command that runs in a city.
TIME_ZONE = "UTC"
# Unambiguous English dates (Django's put the month first); see civicideas/formats.
FORMAT_MODULE_PATH = ["civicideas.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Uploads: local files under MEDIA_ROOT, or an S3-compatible object store,
# private with signed URLs (civicideas/settings/storage.py, docs/operations.md).
MEDIA_STORAGE_URL = env("MEDIA_STORAGE_URL", default="")
STORAGES = {
    "default": default_storage_from_url(MEDIA_STORAGE_URL, media_root=MEDIA_ROOT),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A page kept by the page cache carries the URLs signed when it was rendered:
# they must outlive it by a margin, or cached pages show broken images.
_signed_expiry = STORAGES["default"].get("OPTIONS", {}).get("querystring_expire")
if _signed_expiry and _signed_expiry < 2 * PAGE_CACHE_SECONDS:
    raise ImproperlyConfigured(
        f"MEDIA_STORAGE_URL: expire={_signed_expiry} must be at least twice "
        f"PAGE_CACHE_SECONDS ({PAGE_CACHE_SECONDS}): cached pages carry signed URLs."
    )
# Whether the platform answers MEDIA_URL itself (civicideas.media): yes for
# local files, unless a web server in front serves MEDIA_ROOT; never for an
# object store, whose signed URLs point at the store.
# Empty counts as unset (docker-compose passes every variable through).
SERVE_MEDIA = (
    env.bool("SERVE_MEDIA") if env.str("SERVE_MEDIA", default="") else is_local(STORAGES["default"])
)


# --- Email (Django 6.1 MAILERS) ------------------------------------------
# EMAIL_URL: smtp://user:password@host:port (plain), smtp+tls://... (STARTTLS),
# smtp+ssl://... (implicit TLS), consolemail:// or memorymail:// for development.
def mailer_from_url(url: str) -> dict:
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "host": config.get("EMAIL_HOST") or "localhost",
            "port": config.get("EMAIL_PORT") or None,
            "username": config.get("EMAIL_HOST_USER") or "",
            "password": config.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": env.int("EMAIL_TIMEOUT", default=10),
        },
    }


MAILERS = {"default": mailer_from_url(env("EMAIL_URL", default="smtp://localhost:25"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="civicideas <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ----------------------------------------------------------------
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


# --- Security (tightened further in production) --------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    # Uploads kept in an object store are shown from its (signed) URLs.
    # A page with a map also allows its city's tile server (and only that
    # one): civicideas.tenancy.map_tiles.shows_map.
    "img-src": [
        CSP.SELF,
        "data:",
        *media_csp_sources(STORAGES["default"]),
    ],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# Health and readiness are probed over plain HTTP inside the deployment network.
# So is /metrics, scraped with its bearer token (METRICS_TOKEN below).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- REST API --------------------------------------------------------------
# JSON in, JSON out (never HTML); see civicideas/api/.
REST_FRAMEWORK = {
    # Declares the standard error answers on every operation (civicideas/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "civicideas.api.schema.AutoSchema",
    # Token first: its WWW-Authenticate header makes a refused token a 401.
    # Session authentication keeps Django's CSRF check.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "civicideas.api.authentication.CityTokenAuthentication",
        "civicideas.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["civicideas.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "civicideas.api.pagination.KeysetPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "civicideas.api.exceptions.api_exception_handler",
    # Rates are counted in the Redis cache, per user when signed in and per
    # client IP otherwise (NUM_PROXIES: trusted proxies in front of the app,
    # 0 = use REMOTE_ADDR and ignore X-Forwarded-For, which clients forge).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="1200/hour"),
        "anon": env("API_THROTTLE_ANON", default="600/hour"),
        "token": env("API_THROTTLE_TOKEN", default="30/hour"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# Failed `POST /api/v1/auth/token/` attempts count against LOGIN_FAILURE_*
# (one budget with the sign-in form, see civicideas.accounts.guesses).
SPECTACULAR_SETTINGS = {
    "TITLE": "civicideas API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets are served from this site (no CDN), see CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set shared by several API fields.
    "ENUM_NAME_OVERRIDES": {
        "IdeaStatusEnum": "ideas.status.IdeaStatus",
        "InitiativeStatusEnum": "sponsors.models.InitiativeStatus",
        "ResourceTypeEnum": "sponsors.models.ResourceType",
        "SponsorKindEnum": "sponsors.models.Sponsor.Kind",
        "ModerationKindEnum": "ideas.moderation.KINDS",
        "ProjectStatusEnum": "projects.status.ProjectStatus",
    },
}

# --- Demo ------------------------------------------------------------------
DEMO_PASSWORD = env("DEMO_PASSWORD", default="civicideas-demo")

# Where the platform's source code is offered to its users (AGPL-3.0 section
# 13): the footer links to it. A deployment running modified code must point
# it at that code.
SOURCE_CODE_URL = env("SOURCE_CODE_URL", default="https://github.com/civicideas/civicideas")

# --- Logs, metrics, error tracking (docs/operations.md) --------------------
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

# Extra evidence providers of the practice exchange (dotted paths; see
# exchange/evidence.py and docs/exchange.md): e.g. the city projects' figures.
EXCHANGE_EVIDENCE_PROVIDERS: list[str] = ["projects.evidence.projects_provider"]
