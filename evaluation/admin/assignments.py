"""Assignments ("My assignments" for evaluators) and the scorecard form.
Scorecards, conflicts of interest and the audit log: ``records``."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.errors import InvalidInput, ServiceError
from civicideas.tenancy.admin_row_keys import shown_from
from civicideas.tenancy.admin_row_methods import page_writer
from civicideas.tenancy.models import Membership
from civicideas.tenancy.reversal import pk_url_parts, reverse_pk
from civicideas.tenancy.roles import Role
from civicideas.tenancy.selectors import people_with_roles
from evaluation import rules, selectors, services
from evaluation.admin.base import EvaluationAdmin
from evaluation.forms import ScorecardForm
from evaluation.models import (
    Assignment,
    ChallengeEvaluation,
    Scorecard,
)
from ideas.admin_filters import CachedChoicesFilter
from ideas.models import Challenge, Idea

PROGRESS_LABELS = {
    selectors.NOT_STARTED: gettext_lazy("Not started"),
    selectors.DRAFT: gettext_lazy("Draft"),
    selectors.SUBMITTED: gettext_lazy("Submitted"),
}


class ProgressFilter(admin.SimpleListFilter):
    title = gettext_lazy("progress")
    parameter_name = "progress"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            *PROGRESS_LABELS.items(),
            ("open", gettext_lazy("Not evaluated yet")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "open":
            return queryset.exclude(progress=selectors.SUBMITTED)
        if value in PROGRESS_LABELS:
            return queryset.filter(progress=value)
        return queryset


class ReassignForm(ActionForm):
    evaluator = forms.EmailField(
        label=gettext_lazy("Reassign to (email of an evaluator):"), required=False
    )


def _all_but(model: Any, relation: str, shown: set[str]) -> list[str]:
    """``relation``'s columns other than ``shown`` (and its key), as
    ``list_defer`` names them: the row holds only what the list shows."""
    return [
        f"{relation}__{field.name}" if relation else field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in shown
    ]


SCORE_URL = "admin:evaluation_assignment_score"
IDEA_URL = "ideas:idea"


def _link(url: str, text: str) -> SafeString:
    """``format_html('<a href="{}">{}</a>', url, text)``, written directly:
    two links on each of a page's rows (issue 17)."""
    return mark_safe(f'<a href="{html.escape(url)}">{html.escape(text)}</a>')  # noqa: S308 - escaped


# The list's columns as a page writes them (``page_writer``): the texts
# translated and the URLs' fixed parts reversed once per page, not on each
# of its rows (issue 17). Each answers exactly as its column's method.


def _progress_labels(model_admin: Any) -> Callable[[Assignment], str]:
    labels = {progress: str(label) for progress, label in PROGRESS_LABELS.items()}
    return lambda obj: labels[obj.progress]


def _score_links(model_admin: Any) -> Callable[[Assignment], SafeString]:
    parts = pk_url_parts(SCORE_URL)
    if parts is None:
        return model_admin.score_link
    before, after = f'<a href="{html.escape(parts[0])}', f'{html.escape(parts[1])}">'
    done = f"{after}{html.escape(_('Open scorecard'))}</a>"
    todo = f"{after}{html.escape(_('Score'))}</a>"

    def write(obj: Assignment) -> SafeString:
        if type(obj.pk) is not int:
            return model_admin.score_link(obj)
        rest = done if obj.progress == selectors.SUBMITTED else todo
        return SafeString(f"{before}{obj.pk}{rest}")

    return write


def _public_links(model_admin: Any) -> Callable[[Assignment], SafeString]:
    parts = pk_url_parts(IDEA_URL)
    if parts is None:
        return model_admin.public_link
    before = f'<a href="{html.escape(parts[0])}'
    rest = f'{html.escape(parts[1])}">{html.escape(_("View idea"))}</a>'

    def write(obj: Assignment) -> SafeString:
        if type(obj.idea_id) is not int:
            return model_admin.public_link(obj)
        return SafeString(f"{before}{obj.idea_id}{rest}")

    return write


def _evaluator_by_email(email: str) -> Any:
    membership = (
        Membership.objects.filter(
            user__email__iexact=email.strip(), roles__contains=[Role.EVALUATOR.value]
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


@admin.register(Assignment)
class AssignmentAdmin(EvaluationAdmin):
    """For an evaluator: "My assignments". For a city admin: every
    assignment, with the evaluator column and reassignment."""

    list_display = ["idea_title", "challenge", "progress_label", "score_link", "public_link"]
    list_filter = [ProgressFilter, ("challenge", CachedChoicesFilter)]
    list_select_related = ["idea", "challenge", "evaluator"]
    # Only what the rows show (issue 17): the idea's title (not its body
    # and search vector), the challenge's name in the viewer's language
    # (its title, translations and city), the evaluator's email.
    list_defer = [
        *_all_but(Assignment, "", {"city", "challenge", "idea", "evaluator"}),
        *_all_but(Idea, "idea", {"title"}),
        *_all_but(Challenge, "challenge", {"title", "translations", "city"}),
        *_all_but(get_user_model(), "evaluator", {"email"}),
    ]
    search_fields = ["idea__title"]
    ordering = ["-created_at", "-pk"]
    action_form = ReassignForm
    actions = ["reassign"]
    fields = ["idea", "evaluator"]
    raw_id_fields = ["idea"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.with_progress(selectors.assignments_visible_to(request.user))

    def get_list_display(self, request: HttpRequest) -> list[str]:
        columns = list(super().get_list_display(request))
        if self.is_city_admin(request):
            columns.insert(2, "evaluator_email")
        return columns

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        if not self.is_city_admin(request):
            return {}
        return super().get_actions(request, action_location)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        title = _("Assignments") if self.is_city_admin(request) else _("My assignments")
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reassign through the action, score through the scorecard form

    @shown_from("idea.title")
    @admin.display(description=gettext_lazy("idea"), ordering="idea__title")
    def idea_title(self, obj: Assignment) -> str:
        return obj.idea.title

    @shown_from("evaluator.email")
    @admin.display(description=gettext_lazy("evaluator"), ordering="evaluator__email")
    def evaluator_email(self, obj: Assignment) -> str:
        return obj.evaluator.email

    @shown_from("progress")
    @page_writer(_progress_labels)
    @admin.display(description=gettext_lazy("progress"), ordering="progress")
    def progress_label(self, obj: Assignment) -> str:
        return str(PROGRESS_LABELS[obj.progress])

    @shown_from("pk", "progress")
    @page_writer(_score_links)
    @admin.display(description=gettext_lazy("scorecard"))
    def score_link(self, obj: Assignment) -> SafeString:
        url = reverse_pk(SCORE_URL, obj.pk)
        text = _("Open scorecard") if obj.progress == selectors.SUBMITTED else _("Score")
        return _link(url, text)

    @shown_from("idea_id")
    @page_writer(_public_links)
    @admin.display(description=gettext_lazy("public page"))
    def public_link(self, obj: Assignment) -> SafeString:
        return _link(reverse_pk(IDEA_URL, obj.idea_id), _("View idea"))

    # --- manual assignment (add form) and reassignment (action)

    def save_model(self, request: HttpRequest, obj: Assignment, form, change: bool) -> None:
        try:
            created = services.assignment_create(
                idea=obj.idea, evaluator=obj.evaluator, by=request.user
            )
        except ServiceError as error:
            raise PermissionDenied(error.message) from error
        obj.pk = created.pk

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "evaluator":
            kwargs["queryset"] = people_with_roles(Role.EVALUATOR)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=gettext_lazy("Reassign to another evaluator"))
    def reassign(self, request: HttpRequest, queryset: QuerySet) -> None:
        email = request.POST.get("evaluator", "")
        to = _evaluator_by_email(email) if email else None
        if to is None:
            messages.error(request, _("Give the email of one of this city's evaluators."))
            return
        done = 0
        for assignment in queryset[:100]:
            try:
                services.assignment_reassign(assignment=assignment, to=to, by=request.user)
            except ServiceError as error:
                messages.error(request, f"«{assignment.idea.title[:60]}»: {error.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("Reassigned %(count)d.") % {"count": done})

    # --- the scorecard form

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/score/",
                self.admin_site.admin_view(self.score_view),
                name="evaluation_assignment_score",
            ),
            *super().get_urls(),
        ]

    def score_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The evaluator's scorecard for one assignment (city admins read it).

        Any assignment that is not the user's (or not this city's) is a 404,
        the same answer as a missing one.
        """
        if not rules.can_use_evaluation(request.user):
            raise PermissionDenied
        assignment_id = inputs.parse_id(unquote(object_id))
        assignment = (
            selectors.assignments_visible_to(request.user)
            .select_related("idea", "challenge", "evaluator")
            .filter(pk=assignment_id)
            .first()
            if assignment_id is not None
            else None
        )
        if assignment is None:
            raise Http404(_("Not found."))
        settings = (
            ChallengeEvaluation.objects.select_related("rubric")
            .filter(challenge=assignment.challenge)
            .first()
        )
        rubric = settings.rubric if settings else None
        criteria = list(rubric.criteria.all()) if rubric else []
        scorecard = (
            Scorecard.objects.filter(assignment=assignment).prefetch_related("scores").first()
        )
        can_edit = rules.can_score(request.user, assignment) and (
            scorecard is None or scorecard.state == Scorecard.State.DRAFT
        )
        error = None
        if request.method == "POST":
            if not rules.can_score(request.user, assignment):
                raise PermissionDenied
            submit = "submit" in request.POST
            form = ScorecardForm(request.POST, criteria=criteria, complete=submit)
            service = services.scorecard_submit if submit else services.scorecard_save_draft
            try:
                if not form.is_valid():
                    raise InvalidInput(" ".join(form.problems()))
                service(
                    assignment=assignment,
                    by=request.user,
                    scores=form.scores(),
                    comments=form.comments(),
                    overall_comment=form.cleaned_data["overall_comment"],
                    recommendation=form.cleaned_data["recommendation"],
                )
            except ServiceError as failure:
                error = failure.message
            else:
                messages.success(
                    request,
                    _("Scorecard submitted. Thank you!") if submit else _("Draft saved."),
                )
                return HttpResponseRedirect(request.path)
        values = {s.criterion_id: s for s in scorecard.scores.all()} if scorecard else {}
        posted = request.POST if error else None
        rows = [
            {
                "criterion": c,
                "levels": c.levels(),
                "value": (
                    posted.get(f"score-{c.pk}", "")
                    if posted is not None
                    else (
                        str(values[c.pk].score)
                        if c.pk in values and values[c.pk].score is not None
                        else ""
                    )
                ),
                "comment": (
                    posted.get(f"comment-{c.pk}", "")
                    if posted is not None
                    else (values[c.pk].comment if c.pk in values else "")
                ),
            }
            for c in criteria
        ]
        colleagues = (
            list(
                selectors.colleague_scorecards(
                    request.user, assignment, blind=settings.blind_review if settings else True
                )
            )
            if settings
            else []
        )
        names = {c.pk: c.name for c in criteria}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Scorecard: %(idea)s") % {"idea": assignment.idea.title},
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "assignment": assignment,
            "idea": assignment.idea,
            "settings": settings,
            "scorecard": scorecard,
            "rows": rows,
            "can_edit": can_edit,
            "error": error,
            "overall_comment": (
                posted.get("overall_comment", "")
                if posted is not None
                else (scorecard.overall_comment if scorecard else "")
            ),
            "recommendation": (
                posted.get("recommendation", "")
                if posted is not None
                else (scorecard.recommendation if scorecard else "")
            ),
            "recommendations": Scorecard.Recommendation.choices,
            "colleagues": [
                {
                    "scorecard": other,
                    "scores": [
                        (names.get(s.criterion_id, "?"), s.score, s.comment)
                        for s in other.scores.all()
                    ],
                }
                for other in colleagues
            ],
            "blind_hidden": bool(
                settings
                and settings.blind_review
                and not colleagues
                and not rules.can_manage_evaluation(request.user)
            ),
            "public_url": reverse("ideas:idea", args=[assignment.idea_id]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/evaluation/scorecard.html", context, status=400 if error else 200
        )
