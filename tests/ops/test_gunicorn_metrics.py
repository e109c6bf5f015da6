"""Several gunicorn workers, one ``/metrics``: with PROMETHEUS_MULTIPROC_DIR
every request counts, whichever worker answered it (including workers that
have exited since) and whichever answers the scrape (deploy/gunicorn.conf.py,
prometheus-client multiprocess mode). Workers are recycled every few
requests (``max_requests``) so the requests are certain to be spread over
several processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-metrics-test-token"
REQUESTS = 24

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, token: str | None = None, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": "localhost"})  # noqa: S310
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def healthz_count(body: bytes) -> float:
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == "civicideas_http_requests_total" and sample.labels == {
                "route": "healthz",
                "method": "GET",
                "status": "200",
            }:
                return sample.value
    return 0.0


def test_requests_answered_by_every_worker_are_counted_in_one_scrape(tmp_path):
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    (metrics_dir).mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale file of a previous run")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicideas.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_TOKEN": TOKEN,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_MAX_REQUESTS": "6",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "civicideas.wsgi", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"{base}/healthz", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
        start = healthz_count(get(f"{base}/metrics", TOKEN)[1])
        for _ in range(REQUESTS):
            assert get(f"{base}/healthz")[0] == 200
        scrapes = [healthz_count(get(f"{base}/metrics", TOKEN)[1]) for _ in range(4)]
        # Every scrape, whichever worker answers it, sees every request.
        assert scrapes == [start + REQUESTS] * 4
        writers = {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}
        assert "1" not in writers  # the stale file was removed at start
        assert len(writers) >= 3, "requests were answered by several processes"
        assert get(f"{base}/metrics", "wrong-token")[0] == 401
    finally:
        server.terminate()
        server.wait(timeout=20)
