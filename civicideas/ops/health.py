"""Reachability of the services the platform needs: PostgreSQL, Redis (the
cache), the Celery broker (Redis too, by default) and the upload storage.

Each check answers ``None`` when the service is fine, or a short reason, and
never raises: ``/healthz``, ``/readyz`` and ``manage.py preflight`` turn the
reasons into a status or one clear sentence. Every check has a short timeout so a dead service
makes the answer quick rather than hanging the prober.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from enum import StrEnum
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from civicideas.ops.redis_urls import connect, parse_redis_url

DATABASE_TIMEOUT_SECONDS = 3
REDIS_TIMEOUT_SECONDS = 1
STORAGE_TIMEOUT_SECONDS = 2
#: A name that never exists: asking for it costs one HEAD (object store) or
#: one stat (local files), and needs no write permission.
STORAGE_PROBE_NAME = "healthz-probe"


def check_database() -> str | None:
    """None when Django's own database connection answers ``SELECT 1``.

    Uses the application's connection (and so its role and database), which
    is what requests need; its connect timeout comes from settings.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return type(exc).__name__
    return None


def check_redis(url: str | None = None) -> str | None:
    """None when Redis at ``url`` (default ``settings.REDIS_URL``) answers PING.

    A ``sentinel://`` URL is resolved through its Sentinels first: no master
    known for the service (``MasterNotFoundError``) is "down" like a refused
    connection."""
    try:
        with connect(url or settings.REDIS_URL, timeout=REDIS_TIMEOUT_SECONDS) as client:
            client.ping()
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


def broker_redis_url(url: str | None = None) -> str | None:
    """The Redis URL (plain or ``sentinel://``, see ``redis_urls``) of the Celery
    broker, or None when the broker is not Redis.

    ``CELERY_BROKER_URL`` holds kombu's spelling; for Sentinel that is not the
    configured URL, which settings keep in ``CELERY_BROKER_REDIS_URL``."""
    url = url or settings.CELERY_BROKER_URL
    scheme = urlsplit(url.split(";", 1)[0]).scheme
    if scheme in {"redis", "rediss"}:
        return url
    if scheme == "sentinel":
        return getattr(settings, "CELERY_BROKER_REDIS_URL", None) or None
    return None


def check_broker(url: str | None = None) -> str | None:
    """None when the Celery broker at ``url`` (default ``CELERY_BROKER_URL``)
    accepts a connection. Redis brokers get a PING (through Sentinel when
    configured so); others a kombu connection."""
    url = url or settings.CELERY_BROKER_URL
    redis_url = broker_redis_url(url)
    if redis_url:
        return check_redis(redis_url)
    try:
        from kombu import Connection

        with Connection(url, connect_timeout=REDIS_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


def check_storage() -> str | None:
    """None when the upload storage answers whether a file exists.

    Run in a worker thread with its own deadline: the storage API has no
    timeout of its own (the S3 client's are set in settings, but a local
    mount such as NFS can hang), and a prober must get an answer quickly.
    """
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storage-probe")
    try:
        future = executor.submit(default_storage.exists, STORAGE_PROBE_NAME)
        future.result(timeout=STORAGE_TIMEOUT_SECONDS)
    except FutureTimeout:
        return "timeout"
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    finally:
        # A hung probe is left to finish on its own rather than block us.
        executor.shutdown(wait=False, cancel_futures=True)
    return None


class DatabaseProblem(StrEnum):
    """Why a PostgreSQL URL does not work: the server is not there, or it is
    there and refused the login (missing role or database)."""

    UNREACHABLE = "unreachable"
    REFUSED = "refused"


def check_database_url(url: str) -> DatabaseProblem | None:
    """None when a fresh connection to ``url`` answers, else a ``DatabaseProblem``.

    A server that answered with a FATAL error (unknown role or database, bad
    password) is up: the fix is then to create the role, not to start it.
    """
    try:
        with psycopg.connect(url, connect_timeout=DATABASE_TIMEOUT_SECONDS) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        if "FATAL:" in str(exc):
            return DatabaseProblem.REFUSED
        return DatabaseProblem.UNREACHABLE
    except Exception:  # noqa: BLE001 - a malformed URL, for instance
        return DatabaseProblem.UNREACHABLE
    return None


def database_location(url: str) -> str:
    """``host:port`` of a PostgreSQL URL or conninfo string, without credentials."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "an unparsable DATABASE URL"
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"


def redis_location(url: str) -> str:
    """``host:port`` of a Redis URL (or its Sentinels and service), without
    the password it may carry."""
    try:
        return parse_redis_url(url).location
    except Exception:  # noqa: BLE001 - settings have already validated it
        return "an unparsable REDIS_URL"
