"""Reachability of the services the platform needs."""

from __future__ import annotations

import psycopg
import redis
from django.conf import settings
from django.db import connection


def check_database() -> str | None:
    """None when the database answers, else a short reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return type(exc).__name__
    return None


def check_redis(url: str | None = None) -> str | None:
    try:
        client = redis.Redis.from_url(
            url or settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


def check_database_url(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None
