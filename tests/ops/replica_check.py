"""Run by tests/ops/test_replicas.py in a fresh interpreter whose settings
point DATABASE_URL at a throw-away primary and DATABASE_REPLICA_URL at its
streaming replica. Seeds two cities, waits for the replica to replay them,
and prints what it saw as one JSON line."""

from __future__ import annotations

import json
import time

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from civicideas.tenancy.context import city_context  # noqa: E402
from tests.factories import CityFactory  # noqa: E402
from tests.ideas.factories import ChallengeFactory  # noqa: E402

north = CityFactory(slug="north", name="North")
south = CityFactory(slug="south", name="South")
with city_context(north):
    ChallengeFactory.create_batch(2, title="Northern challenge")
with city_context(south):
    ChallengeFactory.create_batch(3, title="Southern challenge")

replica = settings.DATABASES["replica"]
dsn = (
    f"host={replica['HOST']} port={replica['PORT']} dbname={replica['NAME']} user={replica['USER']}"
)


def challenges_seen(city_id: int | None) -> int:
    """Challenges the application role sees on the replica, as ``city_id``."""
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        if city_id is not None:
            cursor.execute("SELECT set_config('civicideas.city_id', %s, true)", [str(city_id)])
        cursor.execute("SELECT count(*) FROM ideas_challenge")
        return cursor.fetchone()[0]


deadline = time.monotonic() + 30
while challenges_seen(south.pk) < 3 and time.monotonic() < deadline:
    time.sleep(0.2)

with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    in_recovery = cursor.fetchone()[0]


def page_queries(**cookies: str) -> dict:
    client = Client(HTTP_HOST="north.localhost")
    for name, value in cookies.items():
        client.cookies[name] = value
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as copy,
    ):
        response = client.get("/")
    return {
        "status": response.status_code,
        "northern_shown": b"Northern challenge" in response.content,
        "southern_shown": b"Southern challenge" in response.content,
        "replica_tenant_reads": sum('"ideas_' in q["sql"] for q in copy.captured_queries),
        "primary_tenant_reads": sum('"ideas_' in q["sql"] for q in primary.captured_queries),
    }


print(
    json.dumps(
        {
            "replica_in_recovery": in_recovery,
            "rls_no_city": challenges_seen(None),
            "rls_north": challenges_seen(north.pk),
            "rls_south": challenges_seen(south.pk),
            "anonymous": page_queries(),
            "with_session": page_queries(**{settings.SESSION_COOKIE_NAME: "x" * 32}),
            "after_a_write": page_queries(civicideas_primary="1"),
        }
    )
)
