"""Several hosts on one machine: two web nodes behind HAProxy, one Celery
worker, under load, while a node dies (`make cluster-test`) or Redis fails
over through Sentinel (`make cluster-test-sentinel`). docs/operations.md,
"Several web nodes", says what it checks and what it measured.

    python deploy/cluster/cluster_test.py [--sentinel] [--seconds 30]

Everything listens on free loopback ports and lives in a scratch directory;
the database is its own (``CLUSTER_DATABASE_URL``, default
``civicideas_cluster``), and so is the Redis database (``CLUSTER_REDIS_URL``,
default db 12 of the local Redis, emptied first; with ``--sentinel`` the test
starts its own master, replica and three Sentinels and never touches the
local Redis). Every process is started in its own process group and stopped
on exit, whatever the exit. Exit status 0 when every check held.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.request import Request, urlopen

import redis
from load import Load, Target
from services import Processes, Sentinels, free_port, haproxy_stats, wait_for

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get(
    "CLUSTER_DATABASE_URL", "postgres://civicideas:civicideas@127.0.0.1:5432/civicideas_cluster"
)
REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/12")


class Cluster:
    """The processes of one run and what happened to them."""

    def __init__(self, work: Path, redis_url: str) -> None:
        self.work = work
        self.procs = Processes(work)
        self.redis_url = redis_url
        self.web_ports = {"web1": free_port(), "web2": free_port()}
        self.port = free_port()
        self.stats_socket = work / "haproxy.sock"
        self.env = self._env()

    def _env(self) -> dict[str, str]:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "TEST_", "API_"))
        }
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "cluster_settings",
            "PYTHONPATH": f"{HERE}:{ROOT}",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": self.redis_url,
            "CACHE_KEY_PREFIX": "cluster",
            # One resident writes for the whole run: no 429 from the API's
            # per-person budget (1,200 an hour) to blur the figures.
            "API_THROTTLE_USER": "1000000/hour",
            "API_THROTTLE_TOKEN": "1000/hour",
            # The guess check counts one address's budget; every request
            # comes from 127.0.0.1, whose own budget (20) is not the point.
            "LOGIN_FAILURE_LIMIT_PER_IP": "1000",
            "CLUSTER_MEDIA_ROOT": str(self.work / "media"),
            "WEB_CONCURRENCY": os.environ.get("CLUSTER_WEB_CONCURRENCY", "2"),
        }

    def manage(self, *args: str) -> str:
        return self.run(str(BIN / "python"), "manage.py", *args)

    def run(self, *argv: str) -> str:
        out = subprocess.run(  # noqa: S603
            argv, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        if out.returncode:
            raise SystemExit(f"{' '.join(argv)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def start_web(self, name: str) -> None:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.web_ports[name]}"}
        argv = [str(BIN / "gunicorn"), "civicideas.wsgi", "-c", "deploy/gunicorn.conf.py"]
        # gunicorn's control socket defaults to one path per user (~/.gunicorn):
        # two masters on one host need one each.
        argv += ["--control-socket", str(self.work / f"{name}.ctl")]
        self.procs.start(name, argv, env)

    def web_ready(self, name: str) -> bool:
        try:
            url = f"http://127.0.0.1:{self.web_ports[name]}/readyz"
            with urlopen(Request(url, headers={"Host": "localhost"}), timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def start_worker(self, *, beat: bool) -> None:
        argv = [str(BIN / "celery"), "-A", "civicideas", "worker", "-c", "1", "-n", "cluster@%h"]
        argv += ["--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        self.procs.start("worker", argv, self.env)
        if beat:
            argv = [str(BIN / "celery"), "-A", "civicideas", "beat", "--loglevel=WARNING"]
            self.procs.start("beat", [*argv, "-s", str(self.work / "beat-schedule")], self.env)

    def start_haproxy(self) -> None:
        env = {
            **self.env,
            "HAPROXY_BIND": f"127.0.0.1:{self.port}",
            "HAPROXY_STATS_SOCKET": str(self.stats_socket),
            "WEB1_ADDR": f"127.0.0.1:{self.web_ports['web1']}",
            "WEB2_ADDR": f"127.0.0.1:{self.web_ports['web2']}",
            "WEB_MAXCONN": self.env["WEB_CONCURRENCY"],
        }
        argv = ["haproxy", "-db", "-f", str(ROOT / "deploy/haproxy/haproxy.cfg")]
        self.procs.start("haproxy", argv, env)

    def server_status(self, name: str) -> str:
        try:
            return haproxy_stats(self.stats_socket).get(name, {}).get("status", "?")
        except OSError:
            return "?"

    def served(self) -> dict[str, dict[str, int]]:
        stats = haproxy_stats(self.stats_socket)
        return {
            name: {
                key: int(stats[name].get(key) or 0) for key in ("stot", "wretr", "wredis", "eresp")
            }
            for name in ("web1", "web2")
        }


def prepare(cluster: Cluster) -> dict:
    """The database (created, migrated, seeded) and an empty Redis database."""
    cluster.manage("setup_database")
    cluster.manage("migrate", "--noinput", "-v0")
    return json.loads(cluster.run(str(BIN / "python"), str(HERE / "fixtures.py"), "seed"))


def timed(until: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until ``until()`` holds (polled every 0.1 s), or None."""
    start = time.monotonic()
    return time.monotonic() - start if wait_for(until, timeout, 0.1) else None


def kill_and_restart(cluster: Cluster, load: Load, seconds: float, figures: dict) -> None:
    """SIGKILL web1 (master and workers at once, like a host that vanishes)
    at a third of the run, start it again at two thirds."""
    time.sleep(seconds / 3)
    figures["killed_at"] = round(load.now(), 1)
    cluster.procs.kill("web1")
    figures["seen_down_after_s"] = timed(lambda: cluster.server_status("web1") == "DOWN", 10)
    time.sleep(max(0.0, seconds * 2 / 3 - load.now()))
    figures["restarted_at"] = round(load.now(), 1)
    before = cluster.served()["web1"]["stot"]
    cluster.start_web("web1")
    figures["back_up_after_s"] = timed(lambda: cluster.server_status("web1") == "UP", 60)
    # At least 3 s of load with both nodes again, however long the boot took.
    time.sleep(max(3.0, seconds - load.now()))
    figures["web1_served_after_restart"] = cluster.served()["web1"]["stot"] - before


def fail_over(
    cluster: Cluster, sentinels: Sentinels, load: Load, seconds: float, figures: dict
) -> None:
    """``SENTINEL FAILOVER`` at a third of the run; once the old master is a
    replica, check that rate limits are counted in the new master."""
    time.sleep(seconds / 3)
    old = sentinels.master()
    figures["failover_at"] = round(load.now(), 1)
    sentinels.failover()
    figures["new_master_after_s"] = timed(lambda: sentinels.master() != old, 30)
    figures["master"] = f"{old[1]} -> {sentinels.master()[1]}"
    # Until Sentinel turns the old master into a replica, it still takes the
    # writes of connections opened before the failover (redis-py asks
    # Sentinel only when it connects): what they write then is lost.
    figures["old_master_demoted_after_s"] = timed(lambda: sentinels.role(old[1]) == "slave", 60)
    time.sleep(max(0.0, seconds * 2 / 3 - load.now()))
    figures["guess_budget_after_failover"] = guess_budget(cluster)
    figures["guess_counters"] = {
        f"{role} {port}": sentinels.guess_counters(port)
        for role, port in (("old", old[1]), ("new", sentinels.master()[1]))
    }
    time.sleep(max(0.0, seconds - load.now()))
    figures["keys_on_new_master"] = sentinels.client().dbsize()


def guess_budget(cluster: Cluster) -> list[int]:
    """Six wrong passwords for one address through the balancer: the budget
    (5, civicideas.accounts.guesses) is counted in Redis, shared by every
    process of both nodes, so the sixth is 429 (with per-process counting
    while Redis is unreachable, it would not be)."""
    login = f"guess-{uuid.uuid4().hex[:8]}@cluster.example"
    body = json.dumps({"email": login, "password": "wrong-wrong-wrong"}).encode()
    statuses = []
    for _ in range(6):
        request = Request(
            f"http://127.0.0.1:{cluster.port}/api/v1/auth/token/",
            data=body,
            headers={"Host": "cluster.localhost", "Content-Type": "application/json"},
        )
        try:
            with urlopen(request, timeout=10) as r:  # noqa: S310
                statuses.append(r.status)
        except OSError as exc:
            statuses.append(getattr(exc, "code", 0))
    return statuses


def wait_for_deliveries(cluster: Cluster, tag: str) -> tuple[dict, float, bool]:
    """The counts once no notification of the run is pending. A node killed
    between its commit and queueing the delivery leaves its notification to
    the outbox sweep (beat, every minute): after 15 s the sweep is queued at
    once, as beat would, and the rows get 30 s more."""
    fixtures = (str(BIN / "python"), str(HERE / "fixtures.py"))
    start = time.monotonic()
    swept = False
    while True:
        counts = json.loads(cluster.run(*fixtures, "count", tag))
        waited = time.monotonic() - start
        if not counts["notifications"].get("pending") or waited > 45:
            return counts, waited, swept
        if waited > 15 and not swept:
            cluster.run(*fixtures, "sweep")
            swept = True
        time.sleep(1)


def in_flight(failed: list, figures: dict) -> tuple[list, list]:
    """Split failed reads: cut off by the kill before HAProxy took the node
    out (no answer, within a second of the kill and its detection), and lost."""
    if "killed_at" not in figures:
        return [], failed
    end = figures["killed_at"] + (figures.get("seen_down_after_s") or 0) + 1.0
    cut = [r for r in failed if r.status == 0 and figures["killed_at"] <= r.t <= end]
    return cut, [r for r in failed if r not in cut]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentinel", action="store_true", help="fail Redis over mid-run")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the load")
    args = parser.parse_args()
    for program in ("haproxy", "redis-server"):
        if not shutil.which(program):
            sys.exit(f"{program} is not installed (apt-get install {program}).")

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="civicideas-cluster-"))
    sentinels = Sentinels(work) if args.sentinel else None
    cluster: Cluster | None = None

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if sentinels:
            sentinels.start()
            redis_url = sentinels.url
        else:
            redis.Redis.from_url(REDIS_URL).flushdb()
            redis_url = REDIS_URL
        cluster = Cluster(work, redis_url)
        data = prepare(cluster)
        cluster.start_web("web1")
        cluster.start_web("web2")
        cluster.start_worker(beat=bool(sentinels))
        for name in ("web1", "web2"):
            if not wait_for(lambda n=name: cluster.web_ready(n), 60, 0.3):
                raise SystemExit(f"{name} did not start; see {work}/{name}.log")
        cluster.start_haproxy()
        both_up = lambda: all(cluster.server_status(n) == "UP" for n in ("web1", "web2"))  # noqa: E731
        if not wait_for(both_up, 20):
            raise SystemExit(f"HAProxy did not see both nodes up; see {work}/haproxy.log")
        setup_s = time.monotonic() - started

        tag = uuid.uuid4().hex[:10]
        target = Target(
            cluster.port, data["host"], data["ideas"], data["token"], data["session"], tag
        )
        load = Load(target)
        figures: dict = {}
        load.start()
        if sentinels:
            fail_over(cluster, sentinels, load, args.seconds, figures)
        else:
            kill_and_restart(cluster, load, args.seconds, figures)
        load_s = load.now()
        load.stop()
        counts, delivery_wait, swept = wait_for_deliveries(cluster, tag)
        figures["outbox_sweep_needed"] = swept
        figures["served_by"] = cluster.served()
        return report(load, load_s, counts, figures, setup_s, delivery_wait, started, sentinels)
    finally:
        if cluster is not None:
            cluster.procs.stop_all()
        if sentinels is not None:
            sentinels.stop()
        if os.environ.get("CLUSTER_KEEP"):
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(load, load_s, counts, figures, setup_s, delivery_wait, started, sentinels) -> int:
    ok_writes = sum(1 for w in load.writes if w.final == 201)
    # A read whose answer the killed node had begun to send cannot be resent
    # by anyone but the browser: allowed while the node is not yet out, and
    # only as a cut-off connection, never as an error status.
    cut_off, lost = in_flight(load.failed_reads(), figures)
    checks = {
        "every read answered 200 (but those cut off by the kill)": not lost,
        "every write answered 201 in the end": not load.failed_writes(),
        "one comment per write": counts["comments"] == ok_writes == counts["distinct"],
        "nothing written twice": counts["written_twice"] == 0,
        "every notification left the outbox": not counts["notifications"].get("pending"),
    }
    if sentinels:
        checks["a new master was elected"] = figures.get("new_master_after_s") is not None
        checks["the guess budget is shared after failover"] = figures.get(
            "guess_budget_after_failover", []
        )[-1:] == [429]
        checks["the cache writes to the new master"] = figures.get("keys_on_new_master", 0) > 0
    else:
        checks["HAProxy took web1 out"] = figures.get("seen_down_after_s") is not None
        checks["web1 serves again after its restart"] = (
            figures.get("web1_served_after_restart", 0) > 0
        )

    total = len(load.results)
    print("\n== cluster test" + (" (Sentinel failover)" if sentinels else " (node killed)"))
    print(f"load: {load_s:.1f} s, {total} requests, {total / load_s:.0f}/s, 4 readers, 2 writers")
    for kind, statuses in sorted(load.by_kind().items()):
        print(f"  {kind:24} {dict(sorted(statuses.items()))}")
    resent = load.resent_writes()
    replayed = sum(1 for w in load.writes if w.replayed)
    print(
        f"writes: {len(load.writes)} ({ok_writes} answered 201), {len(resent)} resent by the "
        f"client, {replayed} answered from the first attempt's record (Idempotent-Replayed)"
    )
    for w in resent:
        print("   ", w.key[:8], [(round(a.t, 1), a.status, a.detail) for a in w.attempts])
    window = load.error_window()
    if window:
        print(f"answers other than 200/201: from {window[0]:.1f} s to {window[1]:.1f} s")
    else:
        print("answers other than 200/201: none")
    print(f"database: {counts}")
    print(f"notifications settled {delivery_wait:.1f} s after the load")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    print(f"setup {setup_s:.1f} s, total {time.monotonic() - started:.1f} s")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    for r in cut_off:
        print(f"    read cut off by the kill at {r.t:.2f} s: {r.kind} ({r.detail})")
    for r in lost[:20]:
        print(f"    lost read at {r.t:.2f} s: {r.kind} -> {r.status} {r.detail}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    sys.exit(main())
