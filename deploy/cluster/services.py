"""Processes of `make cluster-test`: process groups, HAProxy's stats socket,
and a Redis master, its replica and three Sentinels on free loopback ports."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class Processes:
    """Named processes, each the leader of its own process group (gunicorn's
    master and workers, Celery's pool), with its output in ``<name>.log``."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.running[name] = subprocess.Popen(  # noqa: S603
            argv,
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(30)

    def stop_all(self) -> None:
        """SIGTERM every group, SIGKILL what is left after 10 s."""
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.running.clear()


def haproxy_stats(path: Path) -> dict[str, dict[str, str]]:
    """``show stat`` of the runtime socket: one row per server, by name."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(2)
        s.connect(str(path))
        s.sendall(b"show stat\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    lines = b"".join(chunks).decode().lstrip("# ").splitlines()
    return {row["svname"]: row for row in csv.DictReader(lines) if row.get("svname")}


SERVICE = "civic"


class Sentinels:
    """A Redis master, one replica and three Sentinels watching them, all on
    free loopback ports, no persistence; ``url`` is the platform's
    ``sentinel://`` URL for them (civicideas/ops/redis_urls.py)."""

    def __init__(self, work: Path) -> None:
        self.work = work / "redis"
        self.work.mkdir()
        self.procs = Processes(self.work)
        self.master_port = free_port()
        self.replica_port = free_port()
        self.ports = [free_port() for _ in range(3)]
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.ports)
        self.url = f"sentinel://{hosts}/{SERVICE}/0"

    def start(self) -> None:
        server = shutil.which("redis-server") or "redis-server"
        # --dir: a replica writes the RDB of its full sync there, and a
        # master loads any dump.rdb it finds there when it starts.
        common = [
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.work),
        ]
        self.procs.start("master", [server, "--port", str(self.master_port), *common], {})
        replica = [server, "--port", str(self.replica_port), *common]
        replica += ["--replicaof", "127.0.0.1", str(self.master_port)]
        self.procs.start("replica", replica, {})
        # Debian's redis-sentinel is redis-server in Sentinel mode.
        sentinel = shutil.which("redis-sentinel")
        for n, port in enumerate(self.ports):
            conf = self.work / f"sentinel-{n}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.work}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master_port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 5000\n"
                f"sentinel failover-timeout {SERVICE} 20000\n"
            )
            argv = [sentinel, str(conf)] if sentinel else [server, str(conf), "--sentinel"]
            self.procs.start(f"sentinel-{n}", argv, {})
        if not wait_for(self._ready, 30):
            raise SystemExit(f"Redis replica or Sentinels did not come up; see {self.work}")

    def _ready(self) -> bool:
        """The replica is in sync and every Sentinel knows it and its peers,
        which SENTINEL FAILOVER needs."""
        try:
            info = redis.Redis(port=self.replica_port).info("replication")
            if info.get("master_link_status") != "up":
                return False
            for port in self.ports:
                watcher = redis.Redis(port=port, decode_responses=True)
                if not watcher.sentinel_slaves(SERVICE):
                    return False
                if len(watcher.sentinel_sentinels(SERVICE)) < len(self.ports) - 1:
                    return False
            return True
        except redis.RedisError:
            return False

    def master(self) -> tuple[str, int]:
        """The master as the first Sentinel sees it."""
        host, port = redis.Redis(port=self.ports[0]).sentinel_get_master_addr_by_name(SERVICE)
        return (host.decode() if isinstance(host, bytes) else host), int(port)

    def failover(self) -> None:
        redis.Redis(port=self.ports[0]).execute_command("SENTINEL", "FAILOVER", SERVICE)

    def client(self) -> redis.Redis:
        host, port = self.master()
        return redis.Redis(host=host, port=port)

    def role(self, port: int) -> str:
        try:
            return redis.Redis(port=port).info("replication")["role"]
        except redis.RedisError:
            return "?"

    def guess_counters(self, port: int) -> tuple[str, list[int]]:
        """The role of the server on ``port`` and the password-guess counters
        it holds (civicideas.accounts.guesses), to see where they went."""
        client = redis.Redis(port=port)
        role = client.info("replication")["role"]
        keys = [k for k in client.keys("*:guesses:account:*") if not k.endswith(b":until")]
        return role, sorted(int(client.get(k) or 0) for k in keys)

    def stop(self) -> None:
        self.procs.stop_all()
