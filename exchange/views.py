"""Pages of the practice exchange (docs/exchange.md).

Browsing and reading work on every host (the platform host in particular:
the practices are platform-level). Publishing, adopting, commenting and
"we tried this too" happen on a city's host, inside its context, by its
staff: the city and the role that act are the host's, never a form field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicideas import inputs
from civicideas.errors import NotAllowed, ServiceError
from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.models import City
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.errors import error_response
from exchange import evidence, rules, selectors, services
from exchange.forms import AdoptForm, CommentForm, PublishForm, TriedTooForm
from exchange.models import LICENCE_URLS, Adoption, Method, Practice, Topic

PLATFORM_LANGUAGES = {"en", "fr", "nl"}


def practice_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.Filters.parse(request.GET, PLATFORM_LANGUAGES)
    practices = selectors.practice_list(filters, get_language() or "en")
    paginator = Paginator(practices, selectors.PAGE_SIZE)
    page = paginator.get_page(inputs.parse_page(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "exchange/practice_list.html",
        {
            "page": page,
            "filters": filters,
            "topics": Topic.choices,
            "methods": Method.choices,
            "sizes": [
                ("small", _("Under 50,000 inhabitants")),
                ("medium", _("50,000 to 250,000 inhabitants")),
                ("large", _("Over 250,000 inhabitants")),
            ],
            "answered": selectors.ANSWERED,
            "languages": [("en", "English"), ("fr", "Français"), ("nl", "Nederlands")],
            "sorts": [
                ("newest", _("Newest")),
                ("evidence", _("Strongest evidence")),
                ("adopted", _("Most adopted")),
            ],
            "query_string": query.urlencode(),
            "can_publish": rules.can_publish(request.user),
        },
    )


def _practice_or_404(request: HttpRequest, slug: str) -> Practice:
    practice = (
        Practice.objects.select_related("publishing_city", "adopted_from")
        .filter(slug=slug[:80])
        .first()
    )
    if practice is None:
        raise Http404
    if practice.status != Practice.Status.PUBLISHED and not rules.can_manage(
        request.user, practice
    ):
        raise Http404
    return practice


def practice_detail(request: HttpRequest, slug: str) -> HttpResponse:
    practice = _practice_or_404(request, slug)
    user = request.user
    city = current_city_or_none()
    own_adoption = (
        Adoption.objects.filter(practice=practice, adopting_city=city).first() if city else None
    )
    compared = selectors.comparisons(practice)
    by_practice = [{r["key"]: r for r in evidence.rows(p.evidence)} for p in compared]
    comparison_rows = [
        {"label": label, "cells": [figures.get(key) for figures in by_practice]}
        for key, label in evidence.labels().items()
        if any(key in figures for figures in by_practice)
    ]
    return TemplateResponse(
        request,
        "exchange/practice_detail.html",
        {
            "practice": practice,
            "evidence_rows": evidence.rows(practice.evidence),
            "compared": compared,
            "comparison_rows": comparison_rows,
            "adoptions": selectors.adoptions_of(practice),
            "comments": practice.comments.select_related("author_city").order_by("created_at"),
            "tried_too": practice.tried_too.select_related("trying_city"),
            "licence_url": LICENCE_URLS.get(practice.licence, ""),
            "can_manage": rules.can_manage(user, practice),
            "can_adopt": rules.can_adopt(user, practice),
            "can_comment": rules.can_comment(user, practice),
            "own_adoption": own_adoption,
            "adopt_form": AdoptForm(),
            "comment_form": CommentForm(),
            "tried_form": TriedTooForm(),
            "on_city_host": city is not None,
        },
    )


@city_required
@login_required
def practice_publish(request: HttpRequest) -> HttpResponse:
    from ideas.models import Challenge

    if not rules.can_publish(request.user):
        return error_response(
            request, NotAllowed(_("Only the city's administrators can publish a practice."))
        )
    city: City = request.city  # type: ignore[attr-defined]
    challenges = list(Challenge.objects.public().order_by("-created_at")[:200])
    # "Publish as a practice" on a challenge's admin page preselects it.
    chosen = inputs.parse_id(request.GET.get("challenge"))
    initial = {"challenges": [str(chosen)]} if chosen else {}
    form = PublishForm(request.POST or None, city=city, challenges=challenges, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                practice = services.practice_publish(
                    by=request.user,
                    challenge_ids=[int(i) for i in form.cleaned_data["challenges"]],
                    texts=form.texts(),
                    contact_email=form.cleaned_data["contact_email"],
                    method=form.cleaned_data["method"],
                    topics=form.cleaned_data["topics"],
                    licence=form.cleaned_data["licence"],
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, _("The practice is published on the exchange."))
                return HttpResponseRedirect(reverse("exchange:detail", args=[practice.slug]))
        else:
            status = 400
    return TemplateResponse(
        request,
        "exchange/publish.html",
        {"form": form, "form_errors": bool(form.errors)},
        status=status,
    )


def _post_form_or_page(
    request: HttpRequest, practice: Practice, form: object, template_key: str, status: int
) -> HttpResponse:
    return TemplateResponse(
        request,
        "exchange/action_form.html",
        {"practice": practice, "form": form, "action": template_key, "form_errors": True},
        status=status,
    )


@require_POST
@city_required
@login_required
@service_errors
def practice_adopt(request: HttpRequest, slug: str) -> HttpResponse:
    practice = _practice_or_404(request, slug)
    form = AdoptForm(request.POST)
    if not form.is_valid():
        return _post_form_or_page(request, practice, form, "adopt", 400)
    try:
        adoption = services.practice_adopt(
            by=request.user, practice=practice, starts_on=form.cleaned_data["starts_on"]
        )
    except ServiceError as error:
        if error.status_code == 403:
            raise
        form.add_error(None, error.message)
        return _post_form_or_page(request, practice, form, "adopt", error.status_code)
    messages.success(
        request, _("Adopted: a draft challenge is ready in your admin. Check it before opening it.")
    )
    return HttpResponseRedirect(
        reverse("admin:ideas_challenge_change", args=[adoption.challenge_id])
    )


@require_POST
@city_required
@login_required
@service_errors
def practice_comment(request: HttpRequest, slug: str) -> HttpResponse:
    practice = _practice_or_404(request, slug)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _post_form_or_page(request, practice, form, "comment", 400)
    services.practice_comment(by=request.user, practice=practice, text=form.cleaned_data["text"])
    messages.success(request, _("Your comment is published."))
    return HttpResponseRedirect(reverse("exchange:detail", args=[practice.slug]) + "#comments")


@require_POST
@city_required
@login_required
@service_errors
def practice_tried_too(request: HttpRequest, slug: str) -> HttpResponse:
    practice = _practice_or_404(request, slug)
    form = TriedTooForm(request.POST)
    if not form.is_valid():
        return _post_form_or_page(request, practice, form, "tried", 400)
    services.practice_tried_too(
        by=request.user, practice=practice, outcome=form.cleaned_data["outcome"]
    )
    messages.success(request, _("Thank you: your city's outcome is shown on the practice."))
    return HttpResponseRedirect(reverse("exchange:detail", args=[practice.slug]) + "#tried-too")


@require_POST
@city_required
@login_required
@service_errors
def practice_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    practice = _practice_or_404(request, slug)
    services.practice_refresh_evidence(by=request.user, practice=practice)
    messages.success(request, _("The evidence was computed again from today's data."))
    return HttpResponseRedirect(reverse("exchange:detail", args=[practice.slug]))


@require_POST
@city_required
@login_required
@service_errors
def practice_unpublish(request: HttpRequest, slug: str) -> HttpResponse:
    practice = _practice_or_404(request, slug)
    if request.POST.get("republish") == "1":
        services.practice_republish(by=request.user, practice=practice)
        messages.success(request, _("The practice is published again."))
    else:
        services.practice_unpublish(by=request.user, practice=practice)
        messages.success(
            request, _("The practice is unpublished. Cities that adopted it keep their copies.")
        )
    return HttpResponseRedirect(reverse("exchange:detail", args=[practice.slug]))
