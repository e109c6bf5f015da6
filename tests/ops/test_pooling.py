"""Connection pooling: PgBouncer in transaction mode and Django's psycopg pool.

`make test-pooled` runs the tenancy, outbox and concurrency tests again
through each (docs/operations.md, "Connection pooling"); the last two tests
here make sure such a run really went through the pooler it names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_settings(**env: str) -> dict:
    """The default database's settings as the settings module builds them
    from the given environment (in a fresh interpreter)."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    environment = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {"DATABASE_PGBOUNCER", "DATABASE_POOL_MAX_SIZE", "DATABASE_SERVER_SIDE_BINDING"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="civicideas.settings.test", **env)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_behind_pgbouncer_no_server_side_cursors_and_no_prepared_statements():
    plain = database_settings()
    assert plain.get("DISABLE_SERVER_SIDE_CURSORS", False) is False
    assert plain["OPTIONS"]["prepare_threshold"] == 5

    bounced = database_settings(DATABASE_PGBOUNCER="true")
    assert bounced["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert bounced["OPTIONS"]["prepare_threshold"] is None


def test_server_side_binding_prepares_statements_except_behind_pgbouncer():
    bound = database_settings()
    assert bound["OPTIONS"]["server_side_binding"] is True
    assert bound["OPTIONS"]["prepare_threshold"] == 5

    client_side = database_settings(DATABASE_SERVER_SIDE_BINDING="false")
    assert "server_side_binding" not in client_side["OPTIONS"]
    assert "prepare_threshold" not in client_side["OPTIONS"]

    bounced = database_settings(DATABASE_SERVER_SIDE_BINDING="true", DATABASE_PGBOUNCER="true")
    assert bounced["OPTIONS"]["server_side_binding"] is True
    assert bounced["OPTIONS"]["prepare_threshold"] is None

    pooled = database_settings(DATABASE_SERVER_SIDE_BINDING="true", DATABASE_POOL_MAX_SIZE="4")
    assert pooled["OPTIONS"]["prepare_threshold"] == 5


def test_djangos_pool_replaces_persistent_connections():
    pooled = database_settings(DATABASE_POOL_MAX_SIZE="6")
    assert pooled["CONN_MAX_AGE"] == 0
    assert pooled["OPTIONS"]["pool"]["max_size"] == 6


@pytest.mark.skipif(not os.environ.get("DATABASE_POOL_MAX_SIZE"), reason="make test-pooled")
@pytest.mark.django_db
def test_this_run_takes_its_connections_from_djangos_pool():
    connection.ensure_connection()
    assert connection.pool is not None


@pytest.mark.skipif(not os.environ.get("DATABASE_PGBOUNCER"), reason="make test-pooled")
@pytest.mark.django_db
def test_this_run_talks_to_pgbouncer():
    # The test connects to PgBouncer's port; the server behind it listens on
    # its own.
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        (server_port,) = cursor.fetchone()
    assert int(connection.settings_dict["PORT"]) != server_port
