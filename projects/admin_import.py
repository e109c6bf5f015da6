"""The bulk CSV import page of the projects admin
(``admin/projects/project/import/``, ``projects.imports``), a mixin of
``projects.admin.ProjectAdmin``.

The import is two steps: upload and check (a dry run through the services,
nothing written, every row's action or errors shown), then import the same
file. Between the two the file waits in the cache for ``PENDING_SECONDS``
under a random token bound to the city and the person, so the second step
imports exactly what was checked without uploading it again.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.errors import ServiceError
from civicideas.tenancy.context import current_city
from projects import imports, rules

#: How long a checked file waits for "Import" (seconds).
PENDING_SECONDS = 30 * 60


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


def _pending_key(request: HttpRequest, token: str) -> str:
    return f"projects:import:{current_city().pk}:{request.user.pk}:{token}"


class CsvImportMixin:
    """Adds the import page and its link on the change list to a
    ``ModelAdmin`` of projects (city admins only)."""

    change_list_template = "admin/projects/project/change_list.html"

    def get_urls(self) -> list[Any]:
        return [  # before the admin's own "<path:object_id>/" patterns
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="projects_project_import",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra = {"can_import": rules.can_manage_projects(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)  # type: ignore[misc]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload and check a CSV file, then import it (city admins, on a
        city's host: the platform host has no city to import into)."""
        if getattr(request, "is_platform", False):
            raise Http404
        if not rules.can_manage_projects(request.user):
            raise PermissionDenied
        report = None
        token = ""
        form = ImportForm()
        if request.method == "POST" and request.POST.get("token"):
            return self._import_checked(request)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                kind = form.cleaned_data["kind"]
                try:
                    imports.check_size(upload.size)
                    data = upload.read()
                    report = imports.projects_import_csv(
                        by=request.user, data=data, kind=kind, dry_run=True
                    )
                except ServiceError as error:
                    form.add_error("file", error.message)
                else:
                    if not report.errors:
                        token = secrets.token_urlsafe(16)
                        cache.set(
                            _pending_key(request, token), (kind, data), timeout=PENDING_SECONDS
                        )
        return self._import_page(request, form, report, token)

    def _import_checked(self, request: HttpRequest) -> HttpResponse:
        token = request.POST.get("token", "")[:64]
        pending = cache.get(_pending_key(request, token))
        if pending is None:
            messages.error(request, _("The checked file has expired; upload it again."))
            return HttpResponseRedirect(request.path)
        kind, data = pending
        try:
            report = imports.projects_import_csv(
                by=request.user, data=data, kind=kind, dry_run=False
            )
        except ServiceError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.path)
        cache.delete(_pending_key(request, token))
        if not report.applied:
            # Something changed since the check (another import, an edit).
            return self._import_page(request, ImportForm(), report, "")
        messages.success(
            request,
            _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "created": report.count("create"),
                "updated": report.count("update"),
                "unchanged": report.count("unchanged"),
            },
        )
        return HttpResponseRedirect(reverse("admin:projects_project_changelist"))

    def _import_page(
        self, request: HttpRequest, form: ImportForm, report: Any, token: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import projects or milestones from CSV"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "report": report,
            "token": token,
            "project_columns": imports.PROJECT_COLUMNS,
            "milestone_columns": imports.MILESTONE_COLUMNS,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/projects/project/import.html", context)
