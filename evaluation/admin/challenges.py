"""Evaluation settings per challenge, auto-assign, and the ranking page with
its charts, CSV export and decisions."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.errors import ServiceError
from civicideas.tenancy.admin_mixins import MAX_BULK
from civicideas.text import VisibleCharField, csv_cell
from civicideas.web import fragment_cache
from evaluation import aggregation, charts, rankings, rules, services
from evaluation.admin.base import EvaluationAdmin
from evaluation.models import ChallengeEvaluation
from evaluation.stats import alpha_reading
from ideas.models import Idea

PAGE_SIZE = 50


class ChallengeEvaluationForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        challenge = cleaned.get("challenge") or getattr(self.instance, "challenge", None)
        if (
            challenge is not None
            and not self.instance.pk
            and ChallengeEvaluation.objects.filter(challenge=challenge).exists()
        ):
            self.add_error("challenge", _("This challenge already has evaluation settings."))
        return cleaned


@admin.register(ChallengeEvaluation)
class ChallengeEvaluationAdmin(EvaluationAdmin):
    form = ChallengeEvaluationForm
    list_display = [
        "challenge",
        "rubric",
        "evaluators_per_idea",
        "blind_review",
        "calibration",
        "support_weight",
        "due_date",
        "ranking_link",
    ]
    list_select_related = ["challenge", "rubric"]
    actions = ["auto_assign"]
    fields = [
        "challenge",
        "rubric",
        "evaluators_per_idea",
        "blind_review",
        "calibration",
        "support_weight",
        "disagreement_threshold",
        "due_date",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("challenge", "rubric")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["challenge"] if obj is not None else []

    @admin.display(description=gettext_lazy("ranking"))
    def ranking_link(self, obj: ChallengeEvaluation) -> str:
        url = reverse("admin:evaluation_challengeevaluation_ranking", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Ranking"))

    def save_model(
        self, request: HttpRequest, obj: ChallengeEvaluation, form, change: bool
    ) -> None:
        if obj.city_id is None:
            obj.city = obj.challenge.city
        try:
            services.challenge_evaluation_save(
                settings=obj, by=request.user, changed=form.changed_data
            )
        except ServiceError as error:
            raise PermissionDenied(error.message) from error

    @admin.action(description=gettext_lazy("Auto-assign evaluators (fills only the gaps)"))
    def auto_assign(self, request: HttpRequest, queryset: QuerySet) -> None:
        for settings in queryset.select_related("challenge")[:10]:
            try:
                result = services.assignments_auto_assign(
                    challenge=settings.challenge, by=request.user
                )
            except ServiceError as error:
                messages.error(request, f"{settings.challenge}: {error.message}")
                continue
            messages.success(
                request,
                _("%(challenge)s: %(count)d new assignments.")
                % {"challenge": settings.challenge, "count": result.created},
            )
            for warning in result.warnings:
                messages.warning(request, f"{settings.challenge}: {warning}")

    # --- the ranking page

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/ranking/",
                self.admin_site.admin_view(self.ranking_view),
                name="evaluation_challengeevaluation_ranking",
            ),
            *super().get_urls(),
        ]

    def ranking_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """City admins only: every score, every evaluator, and decisions."""
        if not rules.can_manage_evaluation(request.user):
            raise PermissionDenied
        settings = self.get_object(request, unquote(object_id))
        if request.method == "POST":
            return self._decide(request, settings)
        if request.GET.get("format") == "csv":
            return ranking_csv(settings)
        stored, rows, number = rankings.stored_ranking_page(
            settings, page=inputs.parse_page(request.GET.get("page")), page_size=PAGE_SIZE
        )
        page = _ranking_page(rows, stored.total, number)
        paginator = page.paginator
        alpha, pairable, leniency = stored.alpha, stored.pairable, stored.leniency
        distribution = stored.distribution
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ranking: %(challenge)s") % {"challenge": settings.challenge},
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "settings": settings,
            "challenge": settings.challenge,
            "page_obj": page,
            "paginator": paginator,
            "rows": page.object_list,
            "row_fragments": _row_fragments(request, page.object_list),
            "alpha": alpha,
            "alpha_reading": alpha_reading(alpha),
            "pairable": pairable,
            "distribution": distribution,
            "distribution_charts": [(d, charts.distribution_svg(d)) for d in distribution],
            "leniency": leniency,
            "leniency_chart": charts.leniency_svg(leniency, settings),
            "decisions": DecisionForm.base_fields["decision"].choices,
            "max_bulk": MAX_BULK,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/evaluation/ranking.html", context)

    def _decide(self, request: HttpRequest, settings: ChallengeEvaluation) -> HttpResponse:
        back = HttpResponseRedirect(request.get_full_path())
        form = DecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return back
        ids = form.cleaned_data["ideas"]
        ideas = list(Idea.objects.filter(challenge=settings.challenge, pk__in=ids))
        if len(ideas) != len(set(ids)):
            messages.error(request, _("Some selected ideas are not in this challenge."))
            return back
        default = form.cleaned_data["message"]
        answers = {
            idea.pk: (request.POST.get(f"message-{idea.pk}") or "").strip() or default
            for idea in ideas
        }
        done, failures = services.decisions_bulk(
            ideas=ideas, by=request.user, decision=form.cleaned_data["decision"], messages=answers
        )
        if done:
            messages.success(
                request,
                _("Decision recorded for %(count)d ideas; authors and supporters are notified.")
                % {"count": len(done)},
            )
        for idea, message in failures[:10]:
            messages.error(request, f"«{idea.title[:60]}»: {message}")
        return back


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (services.Decision.SHORTLIST, gettext_lazy("Shortlist (under evaluation)")),
            (services.Decision.ACCEPT, gettext_lazy("Accept")),
            (services.Decision.REJECT, gettext_lazy("Reject")),
        ],
    )
    message = VisibleCharField(
        label=gettext_lazy("Public answer (for ideas without their own)"),
        required=False,
        max_length=5000,
    )
    ideas = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = args[0] if args else None
        values = data.getlist("ideas") if data is not None else []
        self.fields["ideas"].choices = [(v, v) for v in values if inputs.parse_id(v) is not None]
        self.fields["ideas"].error_messages["required"] = _(
            "Select at least one idea. Nothing was changed."
        )

    def clean_ideas(self) -> list[int]:
        ideas = self.cleaned_data["ideas"]
        if len(ideas) > MAX_BULK:
            raise forms.ValidationError(
                _("Select at most %(max)d ideas at a time. Nothing was changed.")
                % {"max": MAX_BULK}
            )
        return ideas


class _KnownRows:
    """One page of ranking rows with the ranking's total, for the paginator:
    the page query's ``COUNT(*) OVER ()`` gives the total, so there is no
    separate count query."""

    def __init__(self, rows: list[aggregation.RankRow], total: int, offset: int) -> None:
        self.rows, self.total, self.offset = rows, total, offset

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item: slice) -> list[aggregation.RankRow]:
        start = (item.start or 0) - self.offset
        return self.rows[start : start + (item.stop - item.start)]


def _row_fragments(request: HttpRequest, rows: list[aggregation.RankRow]) -> list[SafeString]:
    """The ranking's rows, each rendered once per content (issue 17): its
    key holds the stored row (every figure it shows) and whether the viewer
    may create projects (the row's project links), and the language
    (``addressed``). The form's CSRF token is outside the rows."""
    can_add_project = request.user.has_perm("projects.add_project")

    def render(row: aggregation.RankRow) -> Callable[[], str]:
        return lambda: render_to_string(
            "admin/evaluation/includes/ranking_row.html",
            {"row": row, "can_add_project": can_add_project},
        )

    return fragment_cache.addressed(
        "admin-ranking-row", [((row, can_add_project), render(row)) for row in rows]
    )


def _ranking_page(rows: list[aggregation.RankRow], total: int, number: int):
    """Page ``number`` of the stored ranking (``evaluation.rankings``)."""
    offset = (number - 1) * PAGE_SIZE
    paginator = Paginator(_KnownRows(rows, total, offset), PAGE_SIZE)
    return paginator.page(number if total else 1)


CSV_COLUMNS = [
    gettext_lazy("rank"),
    gettext_lazy("idea id"),
    gettext_lazy("idea"),
    gettext_lazy("status"),
    gettext_lazy("final score"),
    gettext_lazy("expert score (raw)"),
    gettext_lazy("expert score (calibrated)"),
    gettext_lazy("support score"),
    gettext_lazy("supports"),
    gettext_lazy("spread"),
    gettext_lazy("high disagreement"),
    gettext_lazy("scorecards"),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def ranking_csv(settings: ChallengeEvaluation) -> HttpResponse:
    """The whole ranking as CSV, one query. Cells that a spreadsheet would
    run as a formula are neutralised (``civicideas.text.csv_cell``)."""
    rows = aggregation.ranking(settings).rows
    writer = csv.writer(_Echo())
    lines = [writer.writerow([str(c) for c in CSV_COLUMNS])]
    lines.extend(
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    row.rank,
                    row.idea_id,
                    row.title,
                    row.status_label,
                    _round(row.final),
                    _round(row.expert_raw),
                    _round(row.expert_calibrated),
                    _round(row.support_score),
                    row.support_count,
                    _round(row.spread),
                    _("yes") if row.high_disagreement else _("no"),
                    row.scorecards,
                )
            ]
        )
        for row in rows
    )
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="ranking-{settings.challenge.slug}-{stamp}.csv"'
    )
    return response


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
