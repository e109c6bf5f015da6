"""The city admins' back office of projects: the project with its milestones
and updates inline, a status change with its reason, "add accepted ideas
to a project", and the CSV import (``projects.admin_import``). Every write
goes through ``projects.services``; the forms run the services' own checks
first, so a refusal is a form error, not a 500."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.concurrency import VersionedAdmin
from civicideas.content.translation_forms import TranslatedAdminMixin
from civicideas.content.uploads import process_image
from civicideas.errors import InvalidInput, ServiceError
from civicideas.tenancy.admin_mixins import CityObjectAdmin
from civicideas.tenancy.selectors import city_staff
from civicideas.text import VisibleTextAdminMixin
from ideas.models import Idea
from projects import rules, selectors, services
from projects.admin_import import CsvImportMixin
from projects.models import Milestone, Project, ProjectStatusChange, ProjectUpdate
from projects.services.projects import EDITABLE, project_check
from projects.status import TRANSITIONS, ProjectStatus

#: Form fields that are services' keyword arguments (the rest are links).
_FIELDS = list(EDITABLE)


class ProjectForm(forms.ModelForm):
    """The services' checks as form errors (``project_check``), on a copy of
    the project, so nothing is written until every field is right."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        fields = {name: cleaned[name] for name in _FIELDS if name in cleaned}
        try:
            project_check(
                self.instance,
                fields,
                ideas=cleaned.get("ideas"),
                initiatives=cleaned.get("initiatives"),
            )
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None
        return cleaned


class MilestoneInline(TranslatedAdminMixin, VisibleTextAdminMixin, admin.TabularInline):
    model = Milestone
    fields = ["title", "starts_on", "due_on", "done_on", "weight"]
    extra = 1


class UpdateForm(forms.ModelForm):
    image = forms.FileField(
        label=gettext_lazy("image"),
        required=False,
        help_text=gettext_lazy("PNG, JPEG, WebP or GIF, at most 5 MB."),
    )

    class Meta:
        model = ProjectUpdate
        fields = ["published_on", "text", "image", "image_alt"]

    def clean_image(self) -> Any:
        value = self.cleaned_data.get("image")
        if not isinstance(value, UploadedFile):
            return value
        try:
            process_image(value)  # checked here, re-encoded by the service
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None
        value.seek(0)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            isinstance(cleaned.get("image"), UploadedFile)
            and not (cleaned.get("image_alt") or "").strip()
        ):
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        return cleaned


class UpdateInline(VisibleTextAdminMixin, admin.StackedInline):
    """New updates are published through ``update_publish`` (its audience is
    told); an existing one can be corrected."""

    model = ProjectUpdate
    form = UpdateForm
    extra = 1
    verbose_name = gettext_lazy("update (published to everyone who follows the project)")


class StatusChangeInline(admin.TabularInline):
    model = ProjectStatusChange
    fields = ["at", "from_status", "to_status", "reason", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("status history")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"))
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to stop a project; shown publicly)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
    on = forms.DateField(
        label=gettext_lazy("Date (started or finished on; default today)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (value, ProjectStatus(value).label) for value in sorted(TRANSITIONS[current])
        ]


class LinkIdeasForm(forms.Form):
    project = forms.TypedChoiceField(label=gettext_lazy("Project"), coerce=int)
    ideas = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [
            (p.pk, f"{p} ({p.get_status_display()})")
            for p in selectors.open_projects_for_decision()
        ]

    def clean_ideas(self) -> list[int]:
        ids = [inputs.parse_id(raw) for raw in self.cleaned_data["ideas"].split(",")]
        if not ids or None in ids or len(ids) > 100:
            raise forms.ValidationError(_("Choose between 1 and 100 ideas."))
        return [i for i in ids if i is not None]


@admin.register(Project)
class ProjectAdmin(CsvImportMixin, TranslatedAdminMixin, VersionedAdmin, CityObjectAdmin):
    form = ProjectForm
    list_display = [
        "title",
        "status",
        "progress",
        "department",
        "planned_end",
        "budget_planned",
        "budget_spent",
        "is_public",
    ]
    list_filter = ["status", "department", "category", "district", "is_public"]
    search_fields = ["title"]
    list_select_related = ["department"]
    show_full_result_count = False
    autocomplete_fields = ["ideas", "initiatives"]
    readonly_fields = ["status", "stop_reason", "progress"]
    inlines = [MilestoneInline, UpdateInline, StatusChangeInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "description",
                    "status",
                    "stop_reason",
                    "is_public",
                    "external_ref",
                ]
            },
        ),
        (
            gettext_lazy("What it carries out"),
            {"fields": ["ideas", "initiatives", "parent", "weight"]},
        ),
        (
            gettext_lazy("Who and where"),
            {
                "fields": [
                    "department",
                    "responsible",
                    "category",
                    "district",
                    "latitude",
                    "longitude",
                ]
            },
        ),
        (
            gettext_lazy("Dates and money"),
            {
                "fields": [
                    "planned_start",
                    "planned_end",
                    "actual_start",
                    "actual_end",
                    "budget_planned",
                    "budget_spent",
                ]
            },
        ),
        (
            gettext_lazy("Progress"),
            {"fields": ["progress", "progress_override", "progress_override_reason"]},
        ),
    ]

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "responsible":
            # The city's own staff only: a project lead is a civil servant.
            kwargs["queryset"] = city_staff()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and rules.can_manage_projects(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and rules.can_manage_projects(
            request.user
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """``?ideas=3,4`` (from a decision or an idea) fills in the ideas
        and, from the first one, the title, category and district."""
        initial = super().get_changeform_initial_data(request)
        ids = [inputs.parse_id(raw) for raw in (request.GET.get("ideas") or "").split(",")]
        ideas = list(Idea.objects.filter(pk__in=[i for i in ids if i is not None][:100]))
        if ideas:
            initial["ideas"] = [idea.pk for idea in ideas]
            first = ideas[0]
            initial.setdefault("title", first.title)
            initial.setdefault("category", first.category_id)
            initial.setdefault("district", first.district_id)
        return initial

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        cleaned = form.cleaned_data
        fields = {name: cleaned[name] for name in _FIELDS if name in cleaned}
        if change:
            # VersionedAdmin checked the version under the row lock already.
            services.project_edit(project=obj, by=request.user, **fields)
            current = set(obj.idea_links.values_list("idea_id", flat=True))
            chosen = {idea.pk: idea for idea in cleaned.get("ideas") or []}
            added = [idea for pk, idea in chosen.items() if pk not in current]
            if added:
                services.project_link_ideas(project=obj, by=request.user, ideas=added)
            for idea in Idea.objects.filter(pk__in=current - set(chosen)):
                services.project_unlink_idea(project=obj, by=request.user, idea=idea)
            obj.refresh_from_db()
        else:
            title = fields.pop("title")
            created = services.project_create(
                by=request.user,
                title=title,
                ideas=cleaned.get("ideas") or [],
                initiatives=cleaned.get("initiatives") or [],
                **fields,
            )
            obj.pk, obj.city_id = created.pk, created.city_id
            obj._state.adding = False
            obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The ideas went through the services in save_model; the
        # initiatives are plain links.
        if change:
            form.instance.initiatives.set(form.cleaned_data.get("initiatives") or [])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Milestones and new updates through the services (progress,
        notifications); the lists Django's change message reads are filled
        as ``formset.save()`` would."""
        if formset.model not in (Milestone, ProjectUpdate):
            super().save_formset(request, form, formset, change)
            return
        project = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for sub in formset.deleted_forms:
            if sub.instance.pk:
                if formset.model is Milestone:
                    services.milestone_delete(milestone=sub.instance, by=request.user)
                else:
                    sub.instance.delete()
                formset.deleted_objects.append(sub.instance)
        for sub in formset.forms:
            if not sub.has_changed() or sub in formset.deleted_forms:
                continue
            data = sub.cleaned_data
            existing = sub.instance if sub.instance.pk else None
            if formset.model is Milestone:
                saved = services.milestone_save(
                    project=project,
                    by=request.user,
                    milestone=existing,
                    title=data["title"],
                    starts_on=data.get("starts_on"),
                    due_on=data["due_on"],
                    done_on=data.get("done_on"),
                    weight=data.get("weight") or 1,
                )
            elif existing is not None:
                saved = sub.save()  # a correction: no second notification
            else:
                saved = services.update_publish(
                    project=project,
                    by=request.user,
                    text=data["text"],
                    image=data.get("image") or None,
                    image_alt=data.get("image_alt") or "",
                    published_on=data.get("published_on"),
                )
            if existing is None:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, sub.changed_data))

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="projects_project_status",
            ),
            path(
                "link-ideas/",
                self.admin_site.admin_view(self.link_ideas_view),
                name="projects_project_link_ideas",
            ),
        ]
        return own + super().get_urls()

    def _page(
        self, request: HttpRequest, template: str, *, status: int, **context: Any
    ) -> TemplateResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, **context},
            status=status,
        )

    def status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Move the project (planned, in progress, done, stopped) with a reason."""
        if getattr(request, "city", None) is None or not rules.can_manage_projects(request.user):
            raise Http404
        pk = inputs.parse_id(object_id)
        project = Project.objects.filter(pk=pk).first() if pk is not None else None
        if project is None:
            raise Http404
        if not TRANSITIONS[project.status]:
            messages.info(request, _("A finished project keeps its status."))
            return HttpResponseRedirect(reverse("admin:projects_project_change", args=[pk]))
        form = StatusForm(
            request.POST or None,
            current=project.status,
            initial={"lock_version": project.lock_version},
        )
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                services.project_set_status(
                    project=project,
                    by=request.user,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    on=form.cleaned_data["on"],
                    expected_version=form.cleaned_data["lock_version"],
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("The project's status is changed; its followers and ideas are told."),
                )
                return HttpResponseRedirect(reverse("admin:projects_project_change", args=[pk]))
        elif request.method == "POST":
            status = 400
        return self._page(
            request,
            "admin/projects/project/status.html",
            title=_("Change the status of “%(project)s”") % {"project": project},
            project=project,
            form=form,
            status=status,
        )

    def link_ideas_view(self, request: HttpRequest) -> HttpResponse:
        """Add to an existing project: the accepted ideas of ``?ideas=3,4``."""
        if getattr(request, "city", None) is None or not rules.can_manage_projects(request.user):
            raise Http404
        data = request.POST or None
        form = LinkIdeasForm(data, initial={"ideas": request.GET.get("ideas", "")})
        status = 200
        if request.method == "POST" and form.is_valid():
            project = Project.objects.filter(pk=form.cleaned_data["project"]).first()
            ideas = list(Idea.objects.filter(pk__in=form.cleaned_data["ideas"]))
            try:
                if project is None or len(ideas) != len(set(form.cleaned_data["ideas"])):
                    raise InvalidInput(_("Choose this city's project and ideas."))
                services.project_link_ideas(project=project, by=request.user, ideas=ideas)
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, _("The ideas are added to the project."))
                return HttpResponseRedirect(
                    reverse("admin:projects_project_change", args=[project.pk])
                )
        elif request.method == "POST":
            status = 400
        raw = request.POST.get("ideas") or request.GET.get("ideas") or ""
        ids = [i for i in (inputs.parse_id(r) for r in raw.split(",")) if i is not None][:100]
        return self._page(
            request,
            "admin/projects/project/link_ideas.html",
            title=_("Add ideas to an existing project"),
            form=form,
            ideas=list(Idea.objects.filter(pk__in=ids)),
            status=status,
        )
