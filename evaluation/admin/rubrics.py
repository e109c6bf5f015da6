"""Rubrics and their criteria; presets; versions of rubrics in use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.concurrency import VersionedAdmin
from civicideas.content.translation_forms import TranslatedAdminMixin
from civicideas.errors import ServiceError
from civicideas.text import VisibleTextAdminMixin
from evaluation import presets, rules, services
from evaluation.admin.base import EvaluationAdmin
from evaluation.models import Criterion, CriterionScore, Rubric, Scorecard


class CriterionFormSet(BaseInlineFormSet):
    """The rules on the criteria as a whole (weights sum above zero, at
    least one criterion) and on each one (model ``clean``)."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if any(form.errors for form in self.forms):
            return
        try:
            services.criteria_validate(kept)
        except ServiceError as error:
            raise ValidationError(error.message) from error


class CriterionInline(TranslatedAdminMixin, VisibleTextAdminMixin, admin.StackedInline):
    model = Criterion
    formset = CriterionFormSet
    extra = 0
    fields = [
        "position",
        "name",
        "guidance",
        ("weight", "weight_share"),
        ("scale_min", "scale_max"),
        "level_labels",
    ]
    readonly_fields = ["weight_share"]

    def get_extra(self, request: HttpRequest, obj: Rubric | None = None, **kwargs: Any) -> int:
        return 3 if obj is None else 0

    @admin.display(description=gettext_lazy("share of the weights"))
    def weight_share(self, obj: Criterion) -> str:
        if not obj.pk:
            return "-"
        total = sum((c.weight for c in obj.rubric.criteria.all()), Decimal(0))
        return f"{100 * obj.weight / total:.0f} %" if total else "-"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _frozen(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not _frozen(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not _frozen(obj)


def _frozen(rubric: Rubric | None) -> bool:
    return rubric is not None and rubric.pk is not None and services.rubric_in_use(rubric)


@admin.register(Rubric)
class RubricAdmin(VersionedAdmin, EvaluationAdmin):
    """The rubric and its criteria are one form: a save from a form read
    before a colleague's save is refused whole (``VersionedAdmin``)."""

    inlines = [CriterionInline]
    list_display = ["name", "version", "criteria_count", "in_use", "created_at"]
    search_fields = ["name"]
    actions = ["new_version"]
    fields = ["name", "description", ("scale_min", "scale_max"), "version", "parent", "weights"]
    readonly_fields = ["version", "parent", "weights"]
    change_list_template = "admin/evaluation/rubric/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        in_use = Exists(
            CriterionScore.objects.filter(
                criterion__rubric=OuterRef("pk"), scorecard__state=Scorecard.State.SUBMITTED
            )
        )
        return (
            super()
            .get_queryset(request)
            .annotate(n_criteria=Count("criteria", distinct=True), is_in_use=in_use)
        )

    @admin.display(description=gettext_lazy("criteria"), ordering="n_criteria")
    def criteria_count(self, obj: Rubric) -> int:
        return obj.n_criteria

    @admin.display(description=gettext_lazy("in use (locked)"), boolean=True)
    def in_use(self, obj: Rubric) -> bool:
        return obj.is_in_use

    @admin.display(description=gettext_lazy("weights"))
    def weights(self, obj: Rubric) -> str:
        criteria = list(obj.criteria.all()) if obj.pk else []
        total = sum((c.weight for c in criteria), Decimal(0))
        if not total:
            return "-"
        return ", ".join(f"{c.name}: {100 * c.weight / total:.0f} %" for c in criteria)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A rubric in use is shown read-only; "New version" makes an editable copy.
        return super().has_change_permission(request, obj) and not _frozen(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not (
            obj is not None and obj.challenge_settings.exists()
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if _frozen(obj):
            extra["rubric_locked"] = True
            messages.warning(
                request,
                _(
                    "This rubric is in use: scorecards were submitted against it, so it cannot "
                    "be changed. Use “New version” to create an editable copy."
                ),
            )
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request: HttpRequest, obj: Rubric, form, change: bool) -> None:
        if change:
            # Re-checked at save time: a scorecard may have been submitted
            # since the form was opened.
            try:
                services.rubric_check_editable(obj)
            except ServiceError as error:
                raise PermissionDenied(error.message) from error
        super().save_model(request, obj, form, change)
        services.audit(
            action=services.Action.RUBRIC_CHANGED if change else services.Action.RUBRIC_CREATED,
            by=request.user,
            subject=str(obj),
            details={"id": obj.pk},
        )

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        for instance in formset.save(commit=False):
            if instance.city_id is None:
                instance.city = form.instance.city
            instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()

    @admin.action(description=gettext_lazy("New version of the selected rubrics"))
    def new_version(self, request: HttpRequest, queryset: QuerySet) -> None:
        if not rules.can_manage_evaluation(request.user):
            raise PermissionDenied
        for rubric in queryset[:20]:
            copy = services.rubric_new_version(rubric=rubric, by=request.user)
            messages.success(request, _("Created “%(rubric)s”.") % {"rubric": copy})

    # --- presets

    def get_urls(self) -> list[Any]:
        return [
            path(
                "install-preset/",
                self.admin_site.admin_view(self.install_preset_view),
                name="evaluation_rubric_install_preset",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra = {
            "presets": presets.preset_choices(),
            "install_url": reverse("admin:evaluation_rubric_install_preset"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def install_preset_view(self, request: HttpRequest) -> HttpResponse:
        if not rules.can_manage_evaluation(request.user) or request.method != "POST":
            raise PermissionDenied
        form = PresetForm(request.POST)
        if form.is_valid():
            rubric = presets.preset_install(key=form.cleaned_data["preset"], by=request.user)
            messages.success(
                request,
                _("Installed “%(rubric)s”; adapt it to your city before using it.")
                % {"rubric": rubric},
            )
            return HttpResponseRedirect(reverse("admin:evaluation_rubric_change", args=[rubric.pk]))
        messages.error(request, _("Unknown preset."))
        return HttpResponseRedirect(reverse("admin:evaluation_rubric_changelist"))


class PresetForm(forms.Form):
    preset = forms.ChoiceField(choices=presets.preset_choices)
