"""Create the application's database role and database, idempotently.

Runs with DATABASE_ADMIN_URL (a superuser, e.g. ``postgres``); the role it
creates is the one in DATABASE_URL and has neither SUPERUSER nor BYPASSRLS, so
row-level security binds it. CREATEDB lets the test runner make its database.
"""

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = "Create the non-superuser application role and its database if missing."

    def handle(self, *args, **options) -> None:
        db = settings.DATABASES["default"]
        role, password, name = db["USER"], db["PASSWORD"], db["NAME"]
        try:
            conn = psycopg.connect(settings.DATABASE_ADMIN_URL, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as exc:
            raise CommandError(
                f"Cannot connect with DATABASE_ADMIN_URL to create the database: {exc}"
            ) from exc
        with conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB PASSWORD {}").format(
                    sql.SQL(verb), sql.Identifier(role), sql.Literal(password)
                )
            )
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(role)
                    )
                )
                self.stdout.write(f"Created database {name} owned by {role}.")
        # pg_trgm is a trusted extension: the database owner may create it,
        # but doing it here keeps migrations free of privilege surprises.
        admin_db = psycopg.conninfo.make_conninfo(settings.DATABASE_ADMIN_URL, dbname=name)
        with psycopg.connect(admin_db, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        self.stdout.write(f"Database role {role} and database {name} are ready.")
