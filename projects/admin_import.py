"""The bulk CSV import page of the projects admin
(``admin/projects/project/import/``, ``projects.imports``), a mixin of
``projects.admin.ProjectAdmin``.

Two steps, each run by a Celery task (``projects.tasks``: a large file
takes minutes through the services, past the web timeout): upload and
check (a dry run, nothing written, every row's action or errors shown),
then import the same file. The file waits in the cache under a random job
token bound to the city and the person; the job page refreshes itself
until the task has answered. The encoding, size and header are checked in
the request, so those refusals are immediate.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.errors import ServiceError
from civicideas.tenancy.context import current_city
from projects import imports, rules
from projects.tasks import JOB_SECONDS, job_key, projects_import_csv_task

JOB_PATTERN = "import/<slug:job>/"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=[
            (imports.PROJECTS, gettext_lazy("Projects")),
            (imports.MILESTONES, gettext_lazy("Milestones")),
        ],
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file (UTF-8)"),
        help_text=gettext_lazy(
            "At most 5 MB and 10,000 rows. The columns are in docs/projects.md."
        ),
    )


def _key(request: HttpRequest, job: str, part: str) -> str:
    return job_key(current_city().pk, request.user.pk, job[:64], part)


def _queue(request: HttpRequest, job: str, *, dry_run: bool) -> None:
    city_id, user_id = current_city().pk, request.user.pk
    cache.set(
        _key(request, job, "result"),
        {"state": "checking" if dry_run else "importing"},
        timeout=JOB_SECONDS,
    )
    transaction.on_commit(lambda: projects_import_csv_task.delay(city_id, user_id, job, dry_run))


class CsvImportMixin:
    """Adds the import pages and their link on the change list to a
    ``ModelAdmin`` of projects (city admins only)."""

    change_list_template = "admin/projects/project/change_list.html"

    def get_urls(self) -> list[Any]:
        return [  # before the admin's own "<path:object_id>/" patterns
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="projects_project_import",
            ),
            path(
                JOB_PATTERN,
                self.admin_site.admin_view(self.import_job_view),
                name="projects_project_import_job",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra = {"can_import": rules.can_manage_projects(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)  # type: ignore[misc]

    def _check_access(self, request: HttpRequest) -> None:
        # The platform host has no city to import into.
        if getattr(request, "is_platform", False):
            raise Http404
        if not rules.can_manage_projects(request.user):
            raise PermissionDenied

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a file; it is checked in the background (job page)."""
        self._check_access(request)
        form = ImportForm()
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                kind = form.cleaned_data["kind"]
                try:
                    imports.check_size(upload.size)
                    data = upload.read()
                    imports.read_rows(imports.decode(data), kind)  # refusals of the whole file
                except ServiceError as error:
                    form.add_error("file", error.message)
                else:
                    job = secrets.token_urlsafe(16)
                    cache.set(_key(request, job, "file"), (kind, data), timeout=JOB_SECONDS)
                    _queue(request, job, dry_run=True)
                    return HttpResponseRedirect(
                        reverse("admin:projects_project_import_job", args=[job])
                    )
        return self._import_page(request, form=form)

    def import_job_view(self, request: HttpRequest, job: str) -> HttpResponse:
        """Where a check or an import stands; POST imports a checked file."""
        self._check_access(request)
        result = cache.get(_key(request, job, "result"))
        if result is None or result.get("state") == "expired":
            messages.error(request, _("The checked file has expired; upload it again."))
            return HttpResponseRedirect(reverse("admin:projects_project_import"))
        if request.method == "POST":
            ready = result.get("state") == "checked" and not result.get("error_count")
            if ready and cache.get(_key(request, job, "file")) is not None:
                _queue(request, job, dry_run=False)
            return HttpResponseRedirect(request.path)
        if result.get("state") == "done":
            messages.success(
                request,
                _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % result,
            )
            cache.delete(_key(request, job, "result"))
            return HttpResponseRedirect(reverse("admin:projects_project_changelist"))
        return self._import_page(request, form=ImportForm(), result=result, job=job)

    def _import_page(self, request: HttpRequest, **context: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": _("Import projects or milestones from CSV"),
            "subtitle": None,
            "opts": self.opts,  # type: ignore[attr-defined]
            "project_columns": imports.PROJECT_COLUMNS,
            "milestone_columns": imports.MILESTONE_COLUMNS,
            **context,
        }
        request.current_app = self.admin_site.name  # type: ignore[attr-defined]
        return TemplateResponse(request, "admin/projects/project/import.html", context)
