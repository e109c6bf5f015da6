"""``manage.py setup_database`` creates the application's role (not a superuser,
so row-level security binds it) and its database, and can be run again."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from tests.ops.conftest import manage

pytestmark = pytest.mark.slow


@pytest.fixture
def throwaway_role():
    name = f"civicideas_probe_{secrets.token_hex(4)}"
    yield name
    with psycopg.connect(settings.DATABASE_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_creates_a_role_bound_by_rls_and_its_database_idempotently(throwaway_role):
    env = {
        "DJANGO_SETTINGS_MODULE": "civicideas.settings.dev",
        "DATABASE_URL": f"postgres://{throwaway_role}:pw-{throwaway_role}@127.0.0.1:5432/{throwaway_role}",
        "DATABASE_ADMIN_URL": settings.DATABASE_ADMIN_URL,
    }
    first = manage("setup_database", env=env)
    second = manage("setup_database", env=env)
    assert first.returncode == 0, first.stderr
    assert f"Created database {throwaway_role}" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "Created database" not in second.stdout
    assert "are ready" in second.stdout

    with psycopg.connect(settings.DATABASE_ADMIN_URL) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s",
            [throwaway_role],
        ).fetchone()
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
            [throwaway_role],
        ).fetchone()
    assert role == (False, False, True)
    assert owner == (throwaway_role,)
    # The application can log in with the password from DATABASE_URL.
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        extensions = {
            name for (name,) in conn.execute("SELECT extname FROM pg_extension").fetchall()
        }
    assert {"pg_trgm", "unaccent"} <= extensions


def test_unreachable_admin_url_is_one_clear_error(closed_port):
    result = manage(
        "setup_database",
        env={
            "DJANGO_SETTINGS_MODULE": "civicideas.settings.dev",
            "DATABASE_ADMIN_URL": f"postgres://postgres@127.0.0.1:{closed_port}/postgres",
        },
    )
    assert result.returncode != 0
    assert "Cannot connect with DATABASE_ADMIN_URL" in result.stderr
    assert "Traceback" not in result.stderr
