"""Read replicas: the router's rules, then a real streaming replica.

The last test builds a throw-away primary (initdb, another loopback port)
and a streaming replica of it (pg_basebackup), migrates the primary as the
application would, and checks in a fresh interpreter pointed at both that
row-level security holds on the replica and that anonymous page reads are
served there while signed-in and just-written reads stay on the primary."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from civicideas.ops import replicas

ROOT = Path(__file__).resolve().parents[2]
REPLICA_SETTINGS = {
    "default": {"ENGINE": "django.db.backends.postgresql"},
    "replica": {"ENGINE": "django.db.backends.postgresql"},
}


def request(method: str = "get", **extra):
    return getattr(RequestFactory(), method)("/", **extra)


@override_settings(DATABASES=REPLICA_SETTINGS)
def test_only_anonymous_safe_requests_read_from_the_replica():
    assert replicas.wants_replica(request())
    assert replicas.wants_replica(request("head"))
    assert not replicas.wants_replica(request("post"))
    assert not replicas.wants_replica(request(HTTP_COOKIE="sessionid=abc"))
    assert not replicas.wants_replica(request(HTTP_COOKIE=f"{replicas.PIN_COOKIE}=1"))
    assert not replicas.wants_replica(request(HTTP_AUTHORIZATION="Token abc"))


def test_without_a_replica_everything_reads_from_the_primary():
    assert not replicas.wants_replica(request())
    assert replicas.ReplicaRouter().db_for_read(object) is None


def test_reads_go_to_the_replica_until_the_first_write():
    router = replicas.ReplicaRouter()
    with replicas.reads_from_replica():
        assert router.db_for_read(object) == replicas.REPLICA
        assert router.db_for_write(object) == "default"
        assert router.db_for_read(object) is None
    assert router.db_for_read(object) is None
    assert router.allow_migrate("replica", "ideas") is False
    assert router.allow_migrate("default", "ideas") is True


@override_settings(DATABASES=REPLICA_SETTINGS, REPLICA_PIN_SECONDS=15)
def test_a_write_pins_the_browser_to_the_primary_for_a_while():
    from django.http import HttpResponse

    response = HttpResponse()
    replicas.pin_after_write(request("post"), response)
    cookie = response.cookies[replicas.PIN_COOKIE]
    assert cookie["max-age"] == 15
    assert cookie["httponly"]
    read = HttpResponse()
    replicas.pin_after_write(request(), read)
    assert replicas.PIN_COOKIE not in read.cookies


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.skip(f"PostgreSQL server binaries ({name}) are not installed")
    return found[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(args: list[str]) -> None:
    """PostgreSQL's tools refuse to run as root: run them as postgres then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def primary_and_replica() -> Iterator[tuple[int, int]]:
    base = Path(tempfile.mkdtemp(prefix="civicideas-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    primary, copy = base / "primary", base / "replica"
    primary_port, replica_port = free_port(), free_port()
    started = []

    def start(directory: Path, port: int) -> None:
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {base}"
        as_postgres(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(directory),
                "-o",
                options,
                "-l",
                str(base / f"{directory.name}.log"),
                "-w",
                "start",
            ]
        )
        started.append(directory)

    try:
        as_postgres(
            [
                pg_bin("initdb"),
                "-D",
                str(primary),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        start(primary, primary_port)
        as_postgres(
            [
                pg_bin("pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary_port),
                "-U",
                "postgres",
                "-D",
                str(copy),
                "-R",
                "-X",
                "stream",
            ]
        )
        start(copy, replica_port)
        yield primary_port, replica_port
    finally:
        for directory in reversed(started):
            as_postgres([pg_bin("pg_ctl"), "-D", str(directory), "-m", "immediate", "stop"])
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_a_streaming_replica_keeps_cities_apart_and_serves_anonymous_reads(primary_and_replica):
    primary_port, replica_port = primary_and_replica
    name = "civicideas_replicated"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicideas.settings.test",
        "DATABASE_ADMIN_URL": f"postgres://postgres@127.0.0.1:{primary_port}/postgres",
        "DATABASE_URL": f"postgres://civicideas:civicideas@127.0.0.1:{primary_port}/{name}",
        "DATABASE_REPLICA_URL": f"postgres://civicideas:civicideas@127.0.0.1:{replica_port}/{name}",
        "PAGE_CACHE_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }
    for name_ in ("DATABASE_PGBOUNCER", "DATABASE_POOL_MAX_SIZE"):
        env.pop(name_, None)

    def manage(*args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )

    manage("setup_database")
    manage("migrate", "--noinput", "-v0")
    out = subprocess.run(
        [sys.executable, "tests/ops/replica_check.py"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])

    assert seen["replica_in_recovery"] is True
    # Row-level security on the replica: nothing without a city, each city
    # only its own.
    assert (seen["rls_no_city"], seen["rls_north"], seen["rls_south"]) == (0, 2, 3)

    anonymous = seen["anonymous"]
    assert anonymous["status"] == 200
    assert anonymous["northern_shown"] and not anonymous["southern_shown"]
    assert anonymous["replica_tenant_reads"] > 0
    assert anonymous["primary_tenant_reads"] == 0

    for pinned in (seen["with_session"], seen["after_a_write"]):
        assert pinned["status"] == 200
        assert pinned["northern_shown"]
        assert pinned["replica_tenant_reads"] == 0
        assert pinned["primary_tenant_reads"] > 0
