"""gunicorn settings of the web process (Dockerfile, docker-compose.yml):
``gunicorn civicideas.wsgi -c deploy/gunicorn.conf.py``.

Metrics (docs/operations.md, "Metrics"): with ``PROMETHEUS_MULTIPROC_DIR``
set, every worker writes its counters to files in that directory and
``/metrics`` adds them up, whichever worker answers the scrape. The
directory must start empty (stale files of a previous run would be added
in) and must be private to this gunicorn master (files are named by pid).
When a worker exits (``max_requests``, a crash), ``child_exit`` calls
``mark_process_dead``: its live gauges are removed, its counters and
histograms stay in the directory and keep counting in the totals.

The request log line of ``civicideas.ops.request_log`` (with request id,
city, user id, duration and query count) replaces gunicorn's access log.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Recycle workers now and then (memory growth in long-lived processes),
# staggered so they do not all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Errors of gunicorn itself go to stderr; requests are logged by the app.
errorlog = "-"
accesslog = None


def on_starting(server):
    """Empty PROMETHEUS_MULTIPROC_DIR (creating it) before any worker starts."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def child_exit(server, worker):
    """Drop the exited worker's live gauges (prometheus-client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
