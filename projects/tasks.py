"""Background work of city projects: the CSV import runs here, not in the
request (a row costs up to ~150 ms through the services: 500 new projects
took 73 s on a development machine, far past the web timeout of 30 s)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache

from civicideas.errors import ServiceError
from civicideas.tenancy.context import current_city
from civicideas.tenancy.tasks import city_task
from projects import imports

#: How long a file and its results wait in the cache (seconds).
JOB_SECONDS = 60 * 60


def job_key(city_id: int, user_id: int, job: str, part: str) -> str:
    """The cache key of an import job's ``file`` or ``result``: bound to the
    city and the person, so a token alone opens nothing."""
    return f"projects:import:{city_id}:{user_id}:{job}:{part}"


def report_dict(report: imports.ImportReport, state: str) -> dict[str, Any]:
    return {
        "state": state,
        "kind": report.kind,
        "rows": [
            {"line": r.line, "ref": r.ref, "action": r.action, "errors": r.errors}
            for r in report.rows
        ],
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_count": len(report.errors),
        "applied": report.applied,
    }


@city_task(name="projects.import_csv")
def projects_import_csv_task(user_id: int, job: str, dry_run: bool) -> str:
    """Check (``dry_run``) or import the file waiting under ``job``; the
    result goes to the cache for the admin page. Idempotent: a real import
    delivered twice finds every row unchanged the second time."""
    city_id = current_city().pk
    pending = cache.get(job_key(city_id, user_id, job, "file"))
    result_key = job_key(city_id, user_id, job, "result")
    if pending is None:
        cache.set(result_key, {"state": "expired"}, timeout=JOB_SECONDS)
        return "expired"
    kind, data = pending
    user = get_user_model().objects.get(pk=user_id)
    try:
        report = imports.projects_import_csv(by=user, data=data, kind=kind, dry_run=dry_run)
    except ServiceError as error:
        cache.set(result_key, {"state": "refused", "message": error.message}, JOB_SECONDS)
        return "refused"
    state = "checked" if dry_run or not report.applied else "done"
    cache.set(result_key, report_dict(report, state), timeout=JOB_SECONDS)
    if report.applied:
        cache.delete(job_key(city_id, user_id, job, "file"))
    return state
