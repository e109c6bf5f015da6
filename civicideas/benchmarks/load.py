"""Load test of a running gunicorn with wrk, on loopback only."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.request import Request, urlopen

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@dataclass
class LoadFigure:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(port: int, workers: int = 2, extra_env: dict[str, str] | None = None):
    """gunicorn on loopback; yields its master process (workers are its children)."""
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="civicideas.benchmarks.settings", **(extra_env or {})
    )
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "civicideas.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
    ]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    name: str,
    port: int,
    host: str,
    path: str,
    *,
    seconds: int,
    connections: int = 8,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
) -> LoadFigure:
    """Run wrk against ``path`` with the given Host header (and ``headers``,
    or a Lua ``script`` that builds each request); bounded in time."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk).")
    headers = {"Host": host, **(headers or {})}
    if script is None:
        # One request first so a broken page fails loudly instead of measuring errors.
        urlopen(Request(f"http://127.0.0.1:{port}{path}", headers=headers), timeout=30)
    options = [arg for key, value in headers.items() for arg in ("-H", f"{key}: {value}")]
    if script is not None:
        options += ["-s", str(script)]
    out = subprocess.run(  # noqa: S603
        [
            binary,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            *options,
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)", out, re.MULTILINE))

    def pct(key: str) -> float:
        value, unit = re.match(r"([\d.]+)(\w+)", latency[key]).groups()
        return _ms(value, unit)

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors:\s+connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    failed = (int(errors.group(1)) if errors else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    return LoadFigure(name, rps, pct("50"), pct("99"), failed)
