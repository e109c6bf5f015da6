"""The bulk import pages: ``/admin/ideas/idea/import/`` (upload) and
``/admin/ideas/idea/import/<id>/`` (column mapping, dry run, progress,
result, undo). Every change goes through ``ideas.services.imports``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.errors import ServiceError
from ideas import rules
from ideas.importing.reader import MAX_BYTES, MAX_ROWS
from ideas.importing.rows import FIELDS, REQUIRED_FIELDS
from ideas.models import Challenge, Channel, ImportBatch, ImportStatus
from ideas.services import imports

FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "category": gettext_lazy("Category"),
    "district": gettext_lazy("District"),
    "email": gettext_lazy("Author's e-mail (invitation to claim the idea)"),
    "consent": gettext_lazy("Consent to publish (yes/no)"),
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV UTF-8 or XLSX)"),
        help_text=gettext_lazy("At most 5 MB and 5,000 rows; the first row names the columns."),
    )
    challenge = forms.TypedChoiceField(label=gettext_lazy("Challenge"), coerce=int)
    channel = forms.ChoiceField(
        label=gettext_lazy("How were the ideas given?"),
        choices=[(value, label) for value, label in Channel.choices if value != Channel.WEB],
        initial=Channel.WORKSHOP,
    )
    channel_date = forms.DateField(
        label=gettext_lazy("Date the ideas were given"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of the ideas"))

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        challenges = Challenge.objects.filter(phase=Challenge.Phase.IDEAS).order_by("title")
        self.challenges = {c.pk: c for c in challenges}
        self.fields["challenge"].choices = [("", _("Choose a challenge"))] + [
            (c.pk, str(c)) for c in self.challenges.values()
        ]
        self.fields["language"].choices = [(code, code) for code in languages]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Refused before it is read: the reader never sees a huge file.
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB.") % {"max": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class MappingForm(forms.Form):
    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)"))] + [(str(i), h) for i, h in enumerate(headers)]
        for name in FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name in REQUIRED_FIELDS
            )


def _check(request: HttpRequest) -> None:
    # Imports belong to a city: on the platform host (no city) there is none.
    if getattr(request, "city", None) is None:
        raise Http404
    if not rules.can_open_idea_entry(request.user):
        raise PermissionDenied


def _languages(request: HttpRequest) -> list[str]:
    city = request.city  # type: ignore[attr-defined]
    return list(city.languages or [city.default_language])


def import_upload_view(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    _check(request)
    languages = _languages(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, languages=languages)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = imports.import_batch_upload(
                    by=request.user,  # type: ignore[arg-type]
                    challenge=form.challenges[data["challenge"]],
                    channel=data["channel"],
                    channel_date=data["channel_date"],
                    language=data["language"],
                    file_name=data["file"].name,
                    data=data["file"].read(MAX_BYTES + 1),
                )
            except ServiceError as error:
                form.add_error("file", error.message)
            else:
                return HttpResponseRedirect(
                    reverse("admin:ideas_idea_import_batch", args=[batch.pk])
                )
        status = 400
    else:
        form = UploadForm(
            languages=languages,
            initial={"channel_date": timezone.localdate(), "language": languages[0]},
        )
        status = 200
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Import ideas from a file"),
        "form": form,
        "max_rows": f"{MAX_ROWS:,}",
        "batches": ImportBatch.objects.select_related("challenge", "created_by")[:10],
    }
    return TemplateResponse(request, "admin/ideas/import_upload.html", context, status=status)


def _batch(batch_id: str) -> ImportBatch:
    try:
        return ImportBatch.objects.select_related("challenge", "created_by").get(pk=int(batch_id))
    except (ValueError, ImportBatch.DoesNotExist) as error:
        raise Http404 from error


def import_batch_view(request: HttpRequest, model_admin: ModelAdmin, batch_id: str) -> HttpResponse:
    _check(request)
    batch = _batch(batch_id)
    mapping_initial = {k: "" if v is None else str(v) for k, v in batch.mapping.items()}
    form = MappingForm(headers=batch.headers, initial=mapping_initial)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "check":
                form = MappingForm(request.POST, headers=batch.headers)
                if form.is_valid():
                    batch = imports.import_batch_check(
                        batch=batch,
                        by=request.user,  # type: ignore[arg-type]
                        mapping=form.cleaned_data,
                    )
                    return HttpResponseRedirect(request.path + "#preview")
                status = 400
            elif action == "start":
                imports.import_batch_start(batch=batch, by=request.user)  # type: ignore[arg-type]
                messages.success(request, _("The import has started."))
                return HttpResponseRedirect(request.path)
            elif action == "undo":
                count = imports.import_batch_undo(batch=batch, by=request.user)  # type: ignore[arg-type]
                messages.success(request, _("Import undone: %(n)s ideas withdrawn.") % {"n": count})
                return HttpResponseRedirect(request.path)
            else:
                status = 400
        except ServiceError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.path)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Import “%(name)s”") % {"name": batch.file_name},
        "batch": batch,
        "form": form,
        "summary": imports.batch_summary(batch),
        "running": batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "undo_refusal": imports.undo_refusal(batch),
        "Status": ImportStatus,
    }
    return TemplateResponse(request, "admin/ideas/import_batch.html", context, status=status)


def import_progress_view(
    request: HttpRequest, model_admin: ModelAdmin, batch_id: str
) -> HttpResponse:
    """The progress fragment the batch page polls while the task runs."""
    _check(request)
    batch = _batch(batch_id)
    context = {
        "batch": batch,
        "running": batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
    }
    return TemplateResponse(request, "admin/ideas/_import_progress.html", context)
