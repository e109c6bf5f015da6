"""Initiative pages: list, detail, actions, needs, updates, create and edit."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicideas.concurrency import posted_version
from civicideas.content.markdown import render_markdown
from civicideas.errors import NotAllowed, ServiceError
from civicideas.web import fragment_cache
from civicideas.web.confirm import confirm_page
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.errors import error_response
from ideas.models import Category, District
from sponsors import best_match, rules, selectors, services
from sponsors.forms import (
    DecideOfferForm,
    InitiativeFilterForm,
    InitiativeForm,
    NeedForm,
    UpdateForm,
)
from sponsors.fragments import card_fragments
from sponsors.models import Need
from sponsors.views.common import (
    PER_PAGE,
    _edit_page,
    _group_or_404,
    _initiative_or_404,
    _initiative_url,
    _login,
    _page_number,
)


@require_GET
@city_required
def initiative_list(request: HttpRequest) -> HttpResponse:
    """Browse public initiatives: filters, search, sorts, pages."""
    # Filter choices and the viewer's sponsors in one statement (issue 17).
    setup = best_match.list_setup(request.user)
    categories, districts = setup.categories, setup.districts
    # "Best match" is offered to a sponsor's members (and needs only the id).
    sponsor_id = setup.sponsor_id
    form = InitiativeFilterForm(
        request.GET, categories=categories, districts=districts, can_match=sponsor_id is not None
    )
    filters = form.cleaned_or_defaults()
    # Which reader serves the sort is the selector's choice.
    page = best_match.initiative_page(
        setup=setup,
        sort=filters["sort"],
        page=_page_number(request),
        per_page=PER_PAGE,
        count_key=_count_key(request, filters),
        category=filters["category"],
        district=filters["district"],
        need_type=filters["need_type"] or None,
        open_only=bool(filters["open_only"]),
        query=filters["q"],
    )
    query_string = request.GET.copy()
    query_string.pop("page", None)
    # The filter form and the cards are the same for everyone who asks for
    # them (nothing per person: the match score only orders the list):
    # shared fragments kept by content, read in one round trip (issue 17).
    filter_form_html, *cards = fragment_cache.Batch().fetch(
        [
            _filter_form(request, form, filters, categories, districts, sponsor_id is not None),
            *card_fragments(page.items),
        ]
    )
    return TemplateResponse(
        request,
        "sponsors/initiative_list.html",
        {
            "form": form,
            "filter_form_html": filter_form_html,
            "filters": filters,
            "page": page,
            "cards_html": mark_safe("".join(cards)),  # noqa: S308 - fragments, rendered by our templates
            "query_string": query_string.urlencode(),
            "is_sponsor": sponsor_id is not None,
        },
    )


#: The request parameters the filter form shows (as given, valid or not).
_FILTER_FIELDS = ("q", "category", "district", "need_type", "sort", "open_only")


def _filter_form(
    request: HttpRequest,
    form: InitiativeFilterForm,
    filters: dict[str, Any],
    categories: list[Category],
    districts: list[District],
    can_match: bool,
) -> fragment_cache.Addressed:
    """The filter form (a GET form: no CSRF token, nothing per person but
    whether "best match" is offered), kept by content: the city, the
    parameters as given, the choices' names and ``can_match``."""
    return fragment_cache.Addressed(
        "initiative-filter-form",
        [
            request.city.pk,
            [(name, request.GET.getlist(name)) for name in _FILTER_FIELDS],
            filters["q"],
            [(c.pk, c.name) for c in categories],
            [(d.pk, d.name) for d in districts],
            can_match,
        ],
        lambda: render_to_string(
            "sponsors/initiative_list.html#filter_form", {"form": form, "filters": filters}
        ),
    )


def _count_key(request: HttpRequest, filters: dict[str, Any]) -> str:
    """The list's total depends on the city and the filters, not on the sort
    or the viewer (public initiatives only): the key names exactly those."""
    parts = [filters[name] for name in ("category", "district", "need_type", "open_only", "q")]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"initiatives-count:{request.city.pk}:{digest}"


@require_GET
@city_required
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _initiative_page(request, _initiative_or_404(request, pk))


def _initiative_page(request: HttpRequest, initiative: Any, *, status: int = 200, **extra: Any):
    user = request.user
    is_member = rules.is_group_member(user, initiative.group)
    can_manage = rules.can_manage_initiative(user, initiative)
    offering_sponsors = (
        [s for s in selectors.my_sponsors(user) if s.is_verified]
        if (user.is_authenticated and initiative.accepts_offers)
        else []
    )
    needs = selectors.initiative_needs(initiative)
    for need in needs:
        need.initiative = initiative  # the rule reads its status; no query per need
        need.refusal = rules.need_offer_refusal(need)
        need.takes_time = need.refusal is None and need.kind in rules.PERSONAL_OFFER_KINDS
        need.can_offer_time = need.takes_time and rules.can_offer_time(user, need)
    context = {
        "initiative": initiative,
        "description": render_markdown(initiative.description),
        "categories": list(initiative.categories.all()),
        "needs": needs,
        "updates": selectors.initiative_updates(initiative),
        "related": selectors.related_initiatives(initiative) if initiative.is_public else [],
        "is_member": is_member,
        "can_manage": can_manage,
        "offers": selectors.initiative_offers(initiative) if is_member else [],
        "can_offer": bool(offering_sponsors),
        "my_offers": selectors.my_personal_offers(user, initiative),
        # Sponsors see what the city adds to their funding, and what is left.
        "fund": selectors.active_match_fund() if initiative.accepts_offers else None,
        "need_form": NeedForm(),
        "update_form": UpdateForm(),
        "decide_form": DecideOfferForm(),
    }
    context.update(extra)
    return TemplateResponse(request, "sponsors/initiative.html", context, status=status)


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def initiative_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Publish, cancel or complete (group admins; the service checks).
    Cancelling has a confirmation step: GET answers with it
    (``civicideas.web.confirm``), carrying the version it was read at."""
    if not request.user.is_authenticated:
        return _login(request)
    initiative = _initiative_or_404(request, pk)
    service = {
        "publish": services.initiative_publish,
        "cancel": services.initiative_cancel,
        "complete": services.initiative_complete,
    }.get(action)
    if service is None:
        raise Http404
    if request.method == "GET" and action != "cancel":
        return HttpResponseNotAllowed(["POST"])
    if not rules.can_manage_initiative(request.user, initiative):
        # Before the version: a stranger's post is a 403, not "out of date".
        return error_response(
            request, NotAllowed(_("Only the group's administrators can change this initiative."))
        )
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Cancel this initiative?"),
            consequence=_(
                "“%(title)s” will be marked as cancelled: its needs close, pending offers are "
                "declined, and sponsors, volunteers and members are told. This cannot be undone."
            )
            % {"title": initiative.title},
            button=_("Yes, cancel the initiative"),
            back=_initiative_url(initiative.pk),
            hidden={"lock_version": initiative.lock_version},
        )
    try:
        service(
            initiative=initiative,
            by=request.user,
            expected_version=posted_version(request.POST),
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return _initiative_page(request, initiative, status=error.status_code)
    done = {
        "publish": _("The initiative is published."),
        "cancel": _("The initiative is cancelled."),
        "complete": _("The initiative is marked as completed."),
    }[action]
    messages.success(request, done)
    return HttpResponseRedirect(_initiative_url(initiative.pk))


@require_POST
@city_required
@service_errors
def need_add(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    initiative = _initiative_or_404(request, pk)
    form = NeedForm(request.POST)
    if form.is_valid():
        try:
            services.need_add(initiative=initiative, by=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
            return _initiative_page(request, initiative, status=error.status_code, need_form=form)
        messages.success(request, _("The need is added."))
        return HttpResponseRedirect(_initiative_url(initiative.pk) + "#needs")
    return _initiative_page(request, initiative, status=400, need_form=form)


@require_POST
@city_required
@service_errors
def update_post(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    initiative = _initiative_or_404(request, pk)
    form = UpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.progress_update_post(
                initiative=initiative, by=request.user, **form.cleaned_data
            )
        except ServiceError as error:
            form.add_error(None, error.message)
            return _initiative_page(request, initiative, status=error.status_code, update_form=form)
        messages.success(request, _("Your update is published."))
        return HttpResponseRedirect(_initiative_url(initiative.pk) + "#updates")
    return _initiative_page(request, initiative, status=400, update_form=form)


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def initiative_create(request: HttpRequest, group_pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    group = _group_or_404(request, group_pk)
    if not rules.can_create_initiative(request.user, group):
        return error_response(
            request, NotAllowed(_("Only the group's administrators can do this."))
        )
    categories, districts = selectors.filter_options()
    kwargs = {"categories": categories, "districts": districts}
    form = InitiativeForm(request.POST or None, request.FILES or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_create(
                group=group, by=request.user, **form.service_kwargs()
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Your initiative is saved as a draft. Add its needs, then publish it.")
            )
            return HttpResponseRedirect(_initiative_url(initiative.pk))
    return TemplateResponse(
        request, "sponsors/initiative_form.html", {"form": form, "group": group}
    )


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's administrators edit texts, categories, district, dates, image."""
    if not request.user.is_authenticated:
        return _login(request)
    initiative = _initiative_or_404(request, pk)
    if not rules.can_manage_initiative(request.user, initiative):
        return error_response(
            request, NotAllowed(_("Only the group's administrators can edit this initiative."))
        )
    return _edit_page(
        request,
        form_class=InitiativeForm,
        initial=InitiativeForm.initial_for(initiative),
        save=lambda data: services.initiative_update(
            initiative=initiative, by=request.user, **data
        ),
        saved=_("The initiative is saved."),
        next_url=_initiative_url(initiative.pk),
        template="sponsors/initiative_form.html",
        context={"group": initiative.group, "initiative": initiative},
        version_of=initiative,
    )


@require_POST
@city_required
@service_errors
def need_close(request: HttpRequest, need_pk: int) -> HttpResponse:
    """The group no longer needs the rest of a need (group admins)."""
    if not request.user.is_authenticated:
        return _login(request)
    need = get_object_or_404(Need, pk=need_pk)
    initiative = _initiative_or_404(request, need.initiative_id)
    back = _initiative_url(initiative.pk) + "#needs"
    if not rules.can_manage_initiative(request.user, initiative):
        return error_response(
            request, NotAllowed(_("Only the group's administrators can close needs.")), back=back
        )
    try:
        services.need_close(
            need=need, by=request.user, expected_version=posted_version(request.POST)
        )
    except ServiceError as error:
        return error_response(request, error, back=back)
    messages.success(request, _("The need is closed; pending offers on it are declined."))
    return HttpResponseRedirect(back)
