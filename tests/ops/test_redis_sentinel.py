"""Redis through Sentinel (issue 18): a real ``redis-server`` and a real
Sentinel watching it, and a fresh interpreter whose ``TEST_REDIS_URL`` is
``sentinel://127.0.0.1:<port>/<service>/<db>``. Every Redis client of the
platform must reach the master through the Sentinel (the test then reads the
master directly), and an unknown service is "redis down", never a 500."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.faults import REDIS_SERVER, PrivateRedis, free_port, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SERVICE = "civic"
DB = 3


class PrivateSentinel:
    """``redis-server --sentinel`` on a free port, monitoring one master."""

    def __init__(self, master_port: int) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="civicideas-sentinel-"))
        self.conf = self.dir / "sentinel.conf"
        self.conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndaemonize no\ndir {self.dir}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {master_port} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} 60000\n"
        )
        self.process = subprocess.Popen(
            [REDIS_SERVER, str(self.conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        assert wait_until(lambda: self._knows_master(client), 10), "Sentinel did not start"

    @staticmethod
    def _knows_master(client: redis.Redis) -> bool:
        try:
            return client.sentinel_get_master_addr_by_name(SERVICE) is not None
        except redis.RedisError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def sentinel() -> Iterator[tuple[PrivateRedis, PrivateSentinel]]:
    master = PrivateRedis()
    master.start()
    watcher = PrivateSentinel(master.port)
    yield master, watcher
    watcher.stop()
    master.stop()


def sentinel_env(redis_url: str) -> dict[str, str]:
    """A fresh interpreter's environment: test settings on ``redis_url``."""
    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TEST_REDIS_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="civicideas.settings.test",
        DATABASE_URL=(
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        TEST_REDIS_URL=redis_url,
        TEST_CACHE_KEY_PREFIX="sentinel-test",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_check(redis_url: str, tag: str) -> dict:
    env = sentinel_env(redis_url)
    out = subprocess.run(
        [sys.executable, "tests/ops/sentinel_check.py", tag],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_every_redis_client_reaches_the_master_through_sentinel(sentinel):
    master, watcher = sentinel
    on_master = redis.Redis(port=master.port, db=DB)
    on_master.flushdb()
    tag = uuid.uuid4().hex

    seen = run_check(f"sentinel://127.0.0.1:{watcher.port}/{SERVICE}/{DB}", tag)

    # The cache (with its memory fallback) and its Redis-only primary.
    assert seen["cache_get"] == tag and seen["cache_degraded"] is False
    assert seen["primary_get"] == tag
    assert on_master.exists(seen["cache_location"])
    # /readyz resolved the master and pinged it, for the cache and the broker.
    assert seen["readyz_status"] == 200
    assert seen["readyz"] == {
        "database": "ok",
        "redis": "ok",
        "broker": "ok",
        "storage": "ok",
        "status": "ok",
    }
    # The task message is on the master, in database DB, and the metrics read it there.
    assert on_master.llen("celery") == 1
    assert json.loads(on_master.lindex("celery", 0))["headers"]["task"] == "sentinel.probe"
    assert seen["queue_lengths"]["celery"] == 1
    assert seen["metrics_up"]["broker"] == 1
    # Results and redbeat's keys are on the master too.
    assert seen["result"] == tag
    assert on_master.exists(f"celery-task-meta-sentinel-{tag}")
    assert on_master.get("sentinel-test:beat:probe") == tag.encode()
    # Nothing went to database 0 (the URL's database is honoured).
    assert redis.Redis(port=master.port, db=0).dbsize() == 0


@pytest.mark.django_db
def test_unknown_service_is_redis_down_not_an_error(sentinel):
    _, watcher = sentinel
    seen = run_check(f"sentinel://127.0.0.1:{watcher.port}/no-such-service/{DB}", "x")

    assert seen["readyz_status"] == 200
    assert seen["readyz"]["redis"] == "down"
    assert seen["readyz"]["broker"] == "down"
    assert seen["readyz"]["status"] == "degraded: broker, redis"
    # The cache serves this process's memory meanwhile (rate limits keep counting).
    assert seen["cache_get"] == "x" and seen["cache_degraded"] is True
    assert seen["primary_get"] == "MasterNotFoundError"


@pytest.mark.django_db
def test_preflight_resolves_the_master_and_names_an_unknown_service(sentinel):
    from tests.ops.conftest import manage

    _, watcher = sentinel
    db = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": "civicideas.settings.dev",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": f"sentinel://:pw@127.0.0.1:{watcher.port}/{SERVICE}/{DB}",
    }
    assert manage("preflight", env=env).returncode == 0

    env["REDIS_URL"] = f"sentinel://:pw@127.0.0.1:{watcher.port}/nope/{DB}"
    result = manage("preflight", env=env)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"Redis is not reachable through the master of 'nope' per Sentinel "
        f"127.0.0.1:{watcher.port}; check that the Sentinels run, that they monitor that "
        "service name and that its master answers."
    )
    assert "pw" not in result.stderr


@pytest.mark.django_db
def test_a_worker_and_beat_run_through_sentinel(sentinel):
    """A real worker takes a task from the master and stores its result there;
    a real beat keeps its lock and schedule there and sends its ticks there."""
    master, watcher = sentinel
    on_master = redis.Redis(port=master.port, db=DB)
    on_master.flushdb()
    env = sentinel_env(f"sentinel://127.0.0.1:{watcher.port}/{SERVICE}/{DB}")
    celery = [sys.executable, "-m", "celery", "-A", "civicideas"]
    worker = subprocess.Popen(
        [*celery, "worker", "-Q", "periodic", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    beat_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.ops.beat_settings",
        "BEAT_TEST_QUEUE": "sentinel-beat-test",
        "BEAT_TEST_PREFIX": "sentinel-test:beat-test:",
    }
    beat = subprocess.Popen(
        [*celery, "beat", "--loglevel=WARNING", "--schedule", "/dev/null"],
        cwd=ROOT,
        env=beat_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sent = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup()\n"
                "from civicideas.celery import app\n"
                "result = app.send_task('civicideas.ops.tasks.clear_expired_sessions')\n"
                "result.get(timeout=60)\n"
                "print(result.id, result.state)",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert sent.returncode == 0, sent.stderr
        task_id, state = sent.stdout.split()
        assert state == "SUCCESS"
        assert on_master.exists(f"celery-task-meta-{task_id}")

        assert wait_until(lambda: on_master.llen("sentinel-beat-test") >= 2, 30), (
            "beat sent nothing to the master"
        )
        assert on_master.exists("sentinel-test:beat-test::lock")
    finally:
        for process in (worker, beat):
            process.terminate()
            process.wait(15)
