"""Scorecards (reopen), conflicts of interest and the evaluation audit
log in the back office."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.errors import ServiceError
from civicideas.tenancy.admin_mixins import ReadOnlyAdminMixin
from civicideas.tenancy.roles import Role
from civicideas.tenancy.selectors import people_with_roles
from civicideas.text import VisibleCharField
from evaluation import rules, selectors, services
from evaluation.admin.base import EvaluationAdmin
from evaluation.models import (
    ConflictOfInterest,
    EvaluationAuditLog,
    Scorecard,
)
from ideas.models import Idea


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdminMixin, EvaluationAdmin):
    list_display = ["idea_title", "evaluator_email", "state", "recommendation", "submitted_at"]
    list_filter = ["state", "recommendation", "assignment__challenge"]
    list_select_related = ["assignment__idea", "assignment__evaluator"]
    search_fields = ["assignment__idea__title"]
    actions = ["reopen"]
    action_form = type(
        "ReopenForm",
        (ActionForm,),
        {
            "reason": VisibleCharField(
                label=gettext_lazy("Reason for reopening:"), required=False, max_length=1000
            )
        },
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.scorecards_visible_to(request.user)

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        if not rules.can_reopen(request.user):
            return {}
        return super().get_actions(request, action_location)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        scorecard = self.get_object(request, unquote(object_id))
        return HttpResponseRedirect(
            reverse("admin:evaluation_assignment_score", args=[scorecard.assignment_id])
        )

    @admin.display(description=gettext_lazy("idea"))
    def idea_title(self, obj: Scorecard) -> str:
        return obj.assignment.idea.title

    @admin.display(description=gettext_lazy("evaluator"))
    def evaluator_email(self, obj: Scorecard) -> str:
        return obj.assignment.evaluator.email

    @admin.action(description=gettext_lazy("Reopen the selected scorecards"))
    def reopen(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = request.POST.get("reason", "")
        done = 0
        for scorecard in queryset[:100]:
            try:
                services.scorecard_reopen(scorecard=scorecard, by=request.user, reason=reason)
            except ServiceError as error:
                messages.error(request, error.message)
                break
            done += 1
        if done:
            messages.success(request, _("Reopened %(count)d scorecards.") % {"count": done})


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(EvaluationAdmin):
    list_display = ["idea", "evaluator_email", "reason", "declared_by_email", "created_at"]
    list_select_related = ["idea", "evaluator", "declared_by"]
    raw_id_fields = ["idea"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.conflicts_visible_to(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if self.is_city_admin(request):
            return ["idea", "evaluator", "reason"]
        return ["idea", "reason"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if not self.is_city_admin(request):
            initial["evaluator"] = request.user.pk
        return initial

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "idea":
            kwargs["queryset"] = Idea.objects.all()
        if db_field.name == "evaluator":
            kwargs["queryset"] = people_with_roles(Role.EVALUATOR)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ConflictOfInterest, form, change: bool) -> None:
        evaluator = obj.evaluator if self.is_city_admin(request) else request.user
        try:
            created = services.conflict_declare(
                idea=obj.idea, evaluator=evaluator, reason=obj.reason, by=request.user
            )
        except ServiceError as error:
            raise PermissionDenied(error.message) from error
        obj.pk = created.pk

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)
        if not self.is_city_admin(request):
            user = request.user

            class OwnConflictForm(form):
                def clean(self) -> dict[str, Any]:
                    self.instance.evaluator = user
                    return super().clean()

            return OwnConflictForm
        return form

    @admin.display(description=gettext_lazy("evaluator"))
    def evaluator_email(self, obj: ConflictOfInterest) -> str:
        return obj.evaluator.email

    @admin.display(description=gettext_lazy("declared by"))
    def declared_by_email(self, obj: ConflictOfInterest) -> str:
        return obj.declared_by.email


@admin.register(EvaluationAuditLog)
class EvaluationAuditLogAdmin(ReadOnlyAdminMixin, EvaluationAdmin):
    list_display = ["created_at", "action", "actor_email", "challenge", "subject", "reason"]
    list_filter = ["action", "challenge"]
    list_select_related = ["actor", "challenge"]
    search_fields = ["subject"]
    readonly_fields = [
        "created_at",
        "action",
        "actor_email",
        "challenge",
        "idea",
        "subject",
        "reason",
        "details",
    ]
    fields = readonly_fields

    @admin.display(description=gettext_lazy("by"))
    def actor_email(self, obj: EvaluationAuditLog) -> str:
        return obj.actor.email if obj.actor_id else _("system")
