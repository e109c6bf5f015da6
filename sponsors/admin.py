"""The city facilitator's back office: approve groups, verify sponsors, see
candidate sponsors for an initiative and introduce them, watch unmet needs
closing soon, and set the match fund. Every change goes through
``sponsors.services``; records written by the services are read-only here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.errors import ServiceError
from civicideas.tenancy.admin_mixins import CityObjectAdmin, ReadOnlyAdminMixin, run_bulk
from civicideas.tenancy.context import city_context, current_city
from sponsors import matching, rules, services
from sponsors.models import (
    CommunityGroup,
    Initiative,
    InitiativeStatus,
    Introduction,
    MatchFund,
    MatchPledge,
    Offer,
    Sponsor,
)


class SponsorsAdmin(CityObjectAdmin):
    """404 for missing and other cities' objects alike (``CityObjectAdmin``)."""


class ReadOnly(ReadOnlyAdminMixin, SponsorsAdmin):
    """Records written only by the services."""


@admin.register(CommunityGroup)
class CommunityGroupAdmin(SponsorsAdmin):
    list_display = ["name", "contact_email", "created_at", "approved_at"]
    list_filter = [("approved_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at", "approved_at", "approved_by"]
    fields = ["name", "description", "contact_email", *readonly_fields]
    actions = ["approve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # citizens create groups (services.group_create)

    @admin.action(description=gettext_lazy("Approve the selected groups"))
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        run_bulk(
            request,
            queryset,
            lambda g: services.group_approve(group=g, by=request.user),
            _("%(n)d groups approved."),
        )


class ClosingSoonFilter(admin.SimpleListFilter):
    title = gettext_lazy("unmet needs closing")
    parameter_name = "closing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("7", _("within 7 days")), ("30", _("within 30 days"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in ("7", "30"):
            today = timezone.localdate()
            return queryset.filter(
                status__in=[InitiativeStatus.SEEKING, InitiativeStatus.PARTLY],
                open_need_count__gt=0,
                next_deadline__gte=today,
                next_deadline__lte=today + timedelta(days=int(self.value())),
            ).order_by("next_deadline")
        return queryset


@admin.register(Initiative)
class InitiativeAdmin(SponsorsAdmin):
    list_display = [
        "title",
        "group",
        "status",
        "open_need_count",
        "funding_remaining",
        "next_deadline",
        "candidates_link",
    ]
    list_filter = [ClosingSoonFilter, "status"]
    list_select_related = ["group"]
    search_fields = ["title"]
    readonly_fields = [
        "group",
        "status",
        "source_idea",
        "created_by",
        "published_at",
        "open_need_count",
        "funding_remaining",
        "next_deadline",
    ]
    fields = ["title", "summary", "description", *readonly_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # groups edit their initiatives; the city looks and connects

    @admin.display(description=gettext_lazy("candidate sponsors"))
    def candidates_link(self, obj: Initiative) -> str:
        url = reverse("admin:sponsors_initiative_candidates", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Candidates"))

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/candidates/",
                wrap(self.candidates_view),
                name="sponsors_initiative_candidates",
            ),
            *super().get_urls(),
        ]

    def candidates_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Sponsors ranked for this initiative with their reasons, and an
        "introduce" button per sponsor (POST)."""
        if not rules.is_facilitator(request.user):
            raise Http404
        initiative = self.get_object(request, object_id)
        # On the platform host no city is current (the superuser sees every
        # city): matching and introductions run in the initiative's city.
        with city_context(initiative.city):
            return self._candidates(request, initiative)

    def _candidates(self, request: HttpRequest, initiative: Initiative) -> HttpResponse:
        if request.method == "POST":
            sponsor_id = inputs.parse_id(request.POST.get("sponsor"))
            sponsor = Sponsor.objects.filter(pk=sponsor_id).first() if sponsor_id else None
            if sponsor is None:
                raise Http404
            try:
                services.introduction_make(
                    sponsor=sponsor,
                    initiative=initiative,
                    by=request.user,
                    message=request.POST.get("message", ""),
                )
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(sponsor)s is introduced to %(initiative)s; both are notified.")
                    % {"sponsor": sponsor.name, "initiative": initiative.title},
                )
            return HttpResponseRedirect(request.path)
        introduced = set(
            Introduction.objects.filter(initiative=initiative).values_list("sponsor_id", flat=True)
        )
        candidates = matching.candidates_for(initiative, limit=20)
        return TemplateResponse(
            request,
            "sponsors/admin/candidates.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Candidate sponsors for %(title)s") % {"title": initiative.title},
                "initiative": initiative,
                "candidates": candidates,
                "introduced": introduced,
                "opts": self.model._meta,
            },
        )


@admin.register(Sponsor)
class SponsorAdmin(SponsorsAdmin):
    list_display = ["name", "kind", "contact_email", "verified_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter), "kind"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at", "verified_at", "verified_by"]
    fields = [
        "name",
        "kind",
        "description",
        "website",
        "contact_email",
        "city_wide",
        "resource_types",
        "budget_min",
        "budget_max",
        *readonly_fields,
    ]
    actions = ["verify", "recompute_all_matches"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # sponsors edit their own profile

    @admin.action(description=gettext_lazy("Verify the selected sponsors"))
    def verify(self, request: HttpRequest, queryset: Any) -> None:
        run_bulk(
            request,
            queryset,
            lambda s: services.sponsor_verify(sponsor=s, by=request.user),
            _("%(n)d sponsors verified."),
        )

    @admin.action(description=gettext_lazy("Recompute all matches of the city (in the background)"))
    def recompute_all_matches(self, request: HttpRequest, queryset: Any) -> None:
        if not rules.is_facilitator(request.user):
            messages.error(request, _("Only the city's facilitators can do this."))
            return
        from django.db import transaction

        from sponsors.tasks import recompute_city_matches

        # The same batched path as the nightly recompute (one city task that
        # queues a task per batch of sponsors), not a second implementation.
        # robust: with the broker down the action must not answer 500; the
        # nightly recompute catches up, and the failure is logged.
        city_id = current_city().pk
        transaction.on_commit(lambda: recompute_city_matches.delay(city_id), robust=True)
        messages.success(
            request, _("The matches are being recomputed; this takes up to a few minutes.")
        )


@admin.register(Offer)
class OfferAdmin(ReadOnly):
    list_display = ["sponsor", "initiative", "need", "quantity", "accepted_quantity", "state"]
    list_filter = ["state"]
    list_select_related = ["sponsor", "initiative", "need"]


@admin.register(Introduction)
class IntroductionAdmin(ReadOnly):
    list_display = ["sponsor", "initiative", "introduced_by", "created_at"]
    list_select_related = ["sponsor", "initiative", "introduced_by"]


@admin.register(MatchPledge)
class MatchPledgeAdmin(ReadOnly):
    list_display = ["fund", "initiative", "offer", "amount", "created_at"]
    list_select_related = ["fund", "initiative", "offer"]


@admin.register(MatchFund)
class MatchFundAdmin(SponsorsAdmin):
    """Settings through ``services.match_fund_set`` (never below what is
    committed); the remaining budget is shown."""

    list_display = [
        "name",
        "ratio",
        "cap_per_initiative",
        "total_budget",
        "committed",
        "remaining_budget",
    ]
    fields = ["name", "ratio", "cap_per_initiative", "total_budget", "committed"]
    readonly_fields = ["committed"]

    @admin.display(description=gettext_lazy("remaining (EUR)"))
    def remaining_budget(self, obj: MatchFund) -> Any:
        return obj.remaining

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: MatchFund, form: Any, change: bool) -> None:
        try:
            saved = services.match_fund_set(
                by=request.user,
                name=obj.name,
                ratio=obj.ratio,
                cap_per_initiative=obj.cap_per_initiative,
                total_budget=obj.total_budget,
            )
        except ServiceError as error:
            # The admin's form already passed; report instead of a 500.
            messages.error(request, error.message)
            raise _Refused(error.message) from error
        obj.pk, obj.city_id = saved.pk, saved.city_id

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except _Refused:
            return HttpResponseRedirect(request.path)


class _Refused(Exception):
    pass
