"""Celery tasks in the logs and metrics, with the request id that queued them.

Connected to Celery's signals when the ops app is ready (``OpsConfig``), in
web processes (publishing) and workers (running) alike:

* ``before_task_publish``: a task queued while a request (or another task) is
  being served carries that request id in its message headers
  (``request_id``), so the request's lines and the work it caused can be
  found together;
* ``task_prerun``: the task's log lines get its id, name, the request id from
  its headers and, once ``city_task`` has entered the city, the city slug
  (``civicideas.ops.logs``);
* ``task_postrun``: one ``civicideas.task`` line with the task's id, name,
  city, state and duration, and the duration in
  ``civicideas_celery_task_duration_seconds``.

A task's city is known inside ``city_context`` (its log lines have it). For
the closing line, ``city_task`` leaves the city's slug on the task's request
(``request.city_slug``) before entering it.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery import signals

from civicideas.ops import logs, metrics

logger = logging.getLogger("civicideas.task")

REQUEST_ID_HEADER = "request_id"
#: task id → (start time, log context token) of the tasks running in this process.
_running: dict[str, tuple[float, Any]] = {}


def _header(task: Any, name: str) -> str:
    """A custom message header: an attribute of the request for messages a
    worker received, inside ``request.headers`` for ``apply(headers=...)``."""
    request = task.request
    value = getattr(request, name, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(name)
    return value if isinstance(value, str) else ""


@signals.before_task_publish.connect(dispatch_uid="civicideas.ops.task_log.publish")
def add_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = logs.current_request_id()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect(dispatch_uid="civicideas.ops.task_log.prerun")
def task_started(task_id: str = "", task: Any = None, **_: Any) -> None:
    context = logs.LogContext(
        request_id=_header(task, REQUEST_ID_HEADER) if task is not None else "",
        task_id=task_id or "",
        task=getattr(task, "name", "") or "",
    )
    _running[task_id] = (time.perf_counter(), logs.enter_context(context))


@signals.task_postrun.connect(dispatch_uid="civicideas.ops.task_log.postrun")
def task_finished(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    started, token = _running.pop(task_id, (None, None))
    if started is None:
        return
    duration = time.perf_counter() - started
    name = getattr(task, "name", "") or ""
    context = logs.current_context()
    if context is not None and task is not None:
        context.city = getattr(task.request, "city_slug", "") or ""
    try:
        metrics.TASK_DURATION.labels(task=name, state=state or "UNKNOWN").observe(duration)
        logger.info(
            "task %s %s",
            name,
            state or "",
            extra={"state": state or "", "duration_ms": round(duration * 1000, 1)},
        )
    finally:
        logs.leave_context(token)


@signals.worker_init.connect(dispatch_uid="civicideas.ops.task_log.init")
def reset_metrics(**_: Any) -> None:
    """Start the worker's metrics from zero (multiprocess mode)."""
    metrics.empty_multiprocess_dir()


@signals.worker_ready.connect(dispatch_uid="civicideas.ops.task_log.exporter")
def start_exporter(**_: Any) -> None:
    """Serve the worker's metrics when ``CELERY_METRICS_PORT`` is set."""
    from django.conf import settings

    port = getattr(settings, "CELERY_METRICS_PORT", None)
    if port:
        metrics.start_worker_exporter(int(port), settings.CELERY_METRICS_ADDRESS)


@signals.worker_process_shutdown.connect(dispatch_uid="civicideas.ops.task_log.shutdown")
def forget_process(**_: Any) -> None:
    """A prefork child that exits merges its values (multiprocess mode)."""
    if metrics.multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())
