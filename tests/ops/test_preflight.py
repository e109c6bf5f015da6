"""``manage.py preflight`` as ``make run`` runs it: a service that is down is
named in one sentence on stderr with how to start it; exit non-zero; no traceback."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from tests.ops.conftest import manage

pytestmark = pytest.mark.slow

DEV = {"DJANGO_SETTINGS_MODULE": "civicideas.settings.dev"}


@pytest.fixture
def live_env(django_db_setup) -> dict[str, str]:
    """Environment in which both services answer: the test database and Redis."""
    db = connection.settings_dict
    return {
        **DEV,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
    }


def assert_one_sentence(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    sentence = lines[0]
    assert "Traceback" not in stderr and "Error:" not in sentence
    assert sentence.endswith(".") and sentence.count(". ") == 0
    return sentence


def test_passes_when_both_services_answer(live_env):
    result = manage("preflight", env=live_env)
    assert (result.returncode, result.stderr) == (0, "")
    assert "reachable" in result.stdout


def test_postgres_down_for_make_run(live_env, closed_port):
    env = {**live_env, "DATABASE_ADMIN_URL": f"postgres://postgres@127.0.0.1:{closed_port}/x"}
    result = manage("preflight", "--admin", env=env)
    assert result.returncode != 0
    sentence = assert_one_sentence(result.stderr)
    assert sentence.startswith(f"PostgreSQL is not reachable at 127.0.0.1:{closed_port};")
    assert "docker compose up -d db redis" in sentence
    assert "pg_ctlcluster" in sentence


def test_application_database_down(live_env, closed_port):
    env = {**live_env, "DATABASE_URL": f"postgres://civicideas:pw@127.0.0.1:{closed_port}/x"}
    result = manage("preflight", env=env)
    assert result.returncode != 0
    assert assert_one_sentence(result.stderr).startswith("PostgreSQL is not reachable")


def test_redis_down_names_redis_without_its_password(live_env, closed_port):
    env = {**live_env, "REDIS_URL": f"redis://:s3cret@127.0.0.1:{closed_port}/0"}
    result = manage("preflight", env=env)
    assert result.returncode != 0
    sentence = assert_one_sentence(result.stderr)
    assert sentence.startswith(f"Redis is not reachable at 127.0.0.1:{closed_port};")
    assert "redis-server" in sentence and "docker compose up -d db redis" in sentence
    assert "s3cret" not in sentence


def test_both_down_is_still_one_sentence(closed_port):
    env = {
        **DEV,
        "DATABASE_ADMIN_URL": f"postgres://postgres@127.0.0.1:{closed_port}/x",
        "REDIS_URL": f"redis://127.0.0.1:{closed_port}/0",
    }
    result = manage("preflight", "--admin", env=env)
    assert result.returncode != 0
    sentence = assert_one_sentence(result.stderr)
    assert sentence.startswith("Neither PostgreSQL")
    assert "Redis" in sentence


def test_server_up_but_role_missing_says_to_run_setup_database(live_env):
    env = {**live_env, "DATABASE_URL": "postgres://no_such_role:pw@127.0.0.1:5432/no_such_db"}
    result = manage("preflight", env=env)
    assert result.returncode != 0
    sentence = assert_one_sentence(result.stderr)
    assert "refused the login of role 'no_such_role'" in sentence
    assert "setup_database" in sentence
