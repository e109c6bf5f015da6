"""Checks that PostgreSQL and Redis answer before the platform starts.

``make run`` and ``make test`` call this first so that a service that is not
running is reported in one sentence that says how to start it, instead of a
traceback from deep inside a migration.
"""

from __future__ import annotations

import sys
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from civicideas.ops.health import (
    DatabaseProblem,
    check_database_url,
    check_redis,
    database_location,
    redis_location,
)
from civicideas.ops.redis_urls import parse_redis_url

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''"
START_WITH_COMPOSE = "docker compose up -d db redis"


def application_database_url() -> str:
    """The conninfo of DATABASE_URL as Django parsed it (role, password, database)."""
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        host=db["HOST"] or "localhost",
        port=str(db["PORT"] or 5432),
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
    )


class Command(BaseCommand):
    help = "Exit non-zero with one clear sentence if PostgreSQL or Redis is unreachable."
    # The system checks are not needed to tell whether two servers answer, and
    # must not fail first with a message of their own.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--admin",
            action="store_true",
            help=(
                "Log in with DATABASE_ADMIN_URL (the superuser that setup_database uses) "
                "instead of DATABASE_URL, which may not exist yet."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = self.find_problem(admin=options["admin"])
        if problem:
            # One sentence and a non-zero exit; no "CommandError:" prefix and
            # no traceback, because a person reads this before anything runs.
            self.stderr.write(problem)
            sys.exit(1)
        self.stdout.write("PostgreSQL and Redis are reachable.")

    def find_problem(self, *, admin: bool) -> str | None:
        """The sentence to print, or None when both services answer."""
        db_url = settings.DATABASE_ADMIN_URL if admin else application_database_url()
        db_where = database_location(db_url)
        redis_where = redis_location(settings.REDIS_URL)
        db_problem = check_database_url(db_url)
        redis_down = check_redis() is not None

        if db_problem == DatabaseProblem.UNREACHABLE and redis_down:
            return (
                f"Neither PostgreSQL ({db_where}) nor Redis ({redis_where}) is reachable; "
                f"start them (on Debian: `{START_POSTGRES}` and `{START_REDIS}`) "
                f"or run `{START_WITH_COMPOSE}`."
            )
        if db_problem == DatabaseProblem.UNREACHABLE:
            return (
                f"PostgreSQL is not reachable at {db_where}; start it "
                f"(on Debian: `{START_POSTGRES}`) or run `{START_WITH_COMPOSE}`."
            )
        if db_problem == DatabaseProblem.REFUSED and admin:
            return (
                f"PostgreSQL at {db_where} refused the login in DATABASE_ADMIN_URL; set it "
                "to a superuser that can log in, e.g. postgres://postgres@127.0.0.1:5432/postgres."
            )
        if db_problem == DatabaseProblem.REFUSED:
            db = settings.DATABASES["default"]
            return (
                f"PostgreSQL at {db_where} refused the login of role {db['USER']!r} to "
                f"database {db['NAME']!r}; create both with `python manage.py setup_database` "
                "(which `make run` does)."
            )
        if redis_down and parse_redis_url(settings.REDIS_URL).is_sentinel:
            return (
                f"Redis is not reachable through {redis_where}; check that the Sentinels "
                "run, that they monitor that service name and that its master answers."
            )
        if redis_down:
            return (
                f"Redis is not reachable at {redis_where}; start it "
                f"(on Debian: `{START_REDIS}`) or run `{START_WITH_COMPOSE}`."
            )
        return None
