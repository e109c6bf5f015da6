"""Pages of groups, initiatives and sponsors (namespace ``sponsors``).

Plain HTML forms, so everything works without JavaScript. Views hold no
rules: they parse with ``sponsors.forms``, read through
``sponsors.selectors`` and change things through ``sponsors.services``.
Lookups answer 404 for "missing", "another city's" and "not yours" alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicideas import inputs
from civicideas.cache_policy import private_page
from civicideas.concurrency import OUT_OF_DATE, StaleEdit, posted_version
from civicideas.content.markdown import render_markdown
from civicideas.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from civicideas.pagination import paginate
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.errors import error_response
from sponsors import matching, rules, selectors, services
from sponsors.forms import (
    DecideOfferForm,
    GroupForm,
    IdeaGroupForm,
    IdeaInitiativeForm,
    InitiativeFilterForm,
    InitiativeForm,
    MemberForm,
    NeedForm,
    OfferForm,
    SponsorForm,
    UpdateForm,
)
from sponsors.models import CommunityGroup, Need, Offer, Sponsor, SponsorMembership

PER_PAGE = 20


def _login(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path())


def _page_number(request: HttpRequest) -> int:
    return inputs.parse_page(request.GET.get("page"))


def _initiative_or_404(request: HttpRequest, pk: int):
    initiative = selectors.initiative_for_page(pk=pk, user=request.user)
    if initiative is None:
        raise Http404
    return initiative


def _initiative_url(pk: int) -> str:
    return reverse("sponsors:initiative", args=[pk])


def _my_sponsor_or_404(request: HttpRequest, pk: int) -> Sponsor:
    sponsor = get_object_or_404(Sponsor, pk=pk)
    if not rules.is_sponsor_member(request.user, sponsor):
        raise Http404
    return sponsor


def _group_or_404(request: HttpRequest, pk: int) -> CommunityGroup:
    return get_object_or_404(selectors.groups_visible_to(request.user), pk=pk)


# --- initiatives ----------------------------------------------------------------------------


@require_GET
@city_required
def initiative_list(request: HttpRequest) -> HttpResponse:
    """Browse public initiatives: filters, search, sorts, pages."""
    categories, districts = selectors.filter_options()
    # The "best match" sort needs only the sponsor's id, not the row.
    sponsor_ids = sorted(rules.sponsor_roles(request.user))
    sponsor_id = sponsor_ids[0] if sponsor_ids else None
    form = InitiativeFilterForm(
        request.GET, categories=categories, districts=districts, can_match=sponsor_id is not None
    )
    filters = form.cleaned_or_defaults()
    initiatives = selectors.initiative_list(
        category=filters["category"],
        district=filters["district"],
        need_type=filters["need_type"] or None,
        open_only=bool(filters["open_only"]),
        query=filters["q"],
        sort=filters["sort"],
        sponsor_id=sponsor_id,
    )
    page = paginate(initiatives, page=_page_number(request), per_page=PER_PAGE)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return TemplateResponse(
        request,
        "sponsors/initiative_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query_string": query_string.urlencode(),
            "is_sponsor": sponsor_id is not None,
        },
    )


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
    context = {
        "initiative": initiative,
        "description": render_markdown(initiative.description),
        "categories": list(initiative.categories.all()),
        "needs": selectors.initiative_needs(initiative),
        "updates": selectors.initiative_updates(initiative),
        "related": selectors.related_initiatives(initiative) if initiative.is_public else [],
        "is_member": is_member,
        "can_manage": can_manage,
        "offers": selectors.initiative_offers(initiative) if is_member else [],
        "can_offer": bool(offering_sponsors),
        # Sponsors see what the city adds to their funding, and what is left.
        "fund": selectors.active_match_fund() if initiative.accepts_offers else None,
        "need_form": NeedForm(),
        "update_form": UpdateForm(),
        "decide_form": DecideOfferForm(),
    }
    context.update(extra)
    return TemplateResponse(request, "sponsors/initiative.html", context, status=status)


@require_POST
@city_required
@service_errors
def initiative_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Publish, cancel or complete (group admins; the service checks)."""
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
    if not rules.can_manage_initiative(request.user, initiative):
        # Before the version: a stranger's post is a 403, not "out of date".
        return error_response(
            request, NotAllowed(_("Only the group's administrators can change this initiative."))
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


def _version_kwargs(form: Any) -> dict[str, Any]:
    """``expected_version`` for the service, when the form carries one."""
    if "lock_version" not in getattr(form, "cleaned_data", {}):
        return {}
    return {"expected_version": form.cleaned_data["lock_version"]}


def _edit_page(
    request: HttpRequest,
    *,
    form_class: type[InitiativeForm] | type[SponsorForm],
    initial: dict[str, Any],
    save: Callable[[dict[str, Any]], Any],
    saved: str,
    next_url: str,
    template: str,
    context: dict[str, Any],
    version_of: Any = None,
) -> HttpResponse:
    """The edit pages' one shape (an initiative, a sponsor's profile): the
    form offers the city's categories and districts; a valid POST goes to
    the service; an invalid form is a 400 and a refusal a form error with
    the service's 4xx, never a 500 and never half-saved. With ``version_of``
    the form carries that object's version and ``save`` gets it as
    ``cleaned_data["lock_version"]``: a colleague's save since the form was
    read is a 409 with who and when (``civicideas.concurrency``)."""
    categories, districts = selectors.filter_options()
    form = form_class(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        districts=districts,
        initial=initial,
        **({"version_of": version_of} if version_of is not None else {}),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save({**form.service_kwargs(), **_version_kwargs(form)})
            except StaleEdit as error:
                form.add_stale_error(error)
                status = error.status_code
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, saved)
                return HttpResponseRedirect(next_url)
        else:
            status = getattr(form, "conflict_status", 400)
    return TemplateResponse(request, template, {"form": form, **context}, status=status)


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


# --- groups --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def group_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    form = GroupForm(request.POST or None, initial={"contact_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(by=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Your group is created. The city will approve it before it is listed.")
            )
            return HttpResponseRedirect(reverse("sponsors:group", args=[group.pk]))
    return TemplateResponse(request, "sponsors/group_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    user = request.user
    is_member = rules.is_group_member(user, group)
    is_admin = rules.is_group_admin(user, group)
    form = MemberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            return _login(request)
        if not is_admin:
            return error_response(
                request, NotAllowed(_("Only the group's administrators can add members."))
            )
        if form.is_valid():
            person = (
                get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
            )
            if person is None:
                form.add_error("email", _("Nobody has an account with this email address yet."))
                status = 400
            else:
                try:
                    services.group_member_add(
                        group=group, by=user, user=person, role=form.cleaned_data["role"]
                    )
                except ServiceError as error:
                    form.add_error(None, error.message)
                    status = error.status_code
                else:
                    messages.success(request, _("The member is added."))
                    return HttpResponseRedirect(reverse("sponsors:group", args=[group.pk]))
        else:
            status = 400
    return TemplateResponse(
        request,
        "sponsors/group.html",
        {
            "group": group,
            "is_member": is_member,
            "is_admin": is_admin,
            # Members' names and emails are for the group itself only.
            "members": selectors.group_members(group) if is_member else [],
            "initiatives": selectors.group_initiatives(group, include_drafts=is_member),
            "form": form,
        },
        status=status,
    )


# --- sponsors -------------------------------------------------------------------------------------


@private_page
@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def sponsor_signup(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    categories, districts = selectors.filter_options()
    form = SponsorForm(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        districts=districts,
        initial={"contact_email": request.user.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            sponsor = services.sponsor_register(by=request.user, **form.service_kwargs())
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you! The city will verify your organisation; "
                    "meanwhile you can explore initiatives."
                ),
            )
            return HttpResponseRedirect(reverse("sponsors:dashboard", args=[sponsor.pk]))
    return TemplateResponse(request, "sponsors/sponsor_form.html", {"form": form})


@private_page
@require_GET
@city_required
def my_sponsor(request: HttpRequest) -> HttpResponse:
    """The sponsor dashboard of a member, or the sign-up page."""
    if not request.user.is_authenticated:
        return _login(request)
    sponsors = selectors.my_sponsors(request.user)
    if len(sponsors) == 1:
        return HttpResponseRedirect(reverse("sponsors:dashboard", args=[sponsors[0].pk]))
    if not sponsors:
        return HttpResponseRedirect(reverse("sponsors:sponsor_signup"))
    return TemplateResponse(request, "sponsors/my_sponsors.html", {"sponsors": sponsors})


@private_page
@require_GET
@city_required
def sponsor_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Initiatives for you (stored matches with their reasons), the offers
    and the initiatives supported. Members of the sponsor only."""
    if not request.user.is_authenticated:
        return _login(request)
    sponsor = _my_sponsor_or_404(request, pk)
    return TemplateResponse(
        request,
        "sponsors/dashboard.html",
        {
            "sponsor": sponsor,
            "is_admin": rules.is_sponsor_admin(request.user, sponsor),
            "matches": matching.stored_for_sponsor(sponsor, limit=10),
            "offers": selectors.sponsor_offers(sponsor),
            "supported": selectors.sponsor_supported(sponsor),
        },
    )


@private_page
@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def sponsor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The sponsor's administrators edit its profile (matches follow)."""
    if not request.user.is_authenticated:
        return _login(request)
    sponsor = _my_sponsor_or_404(request, pk)
    if not rules.is_sponsor_admin(request.user, sponsor):
        return error_response(
            request, NotAllowed(_("Only the sponsor's administrators can edit its profile."))
        )
    return _edit_page(
        request,
        form_class=SponsorForm,
        initial=SponsorForm.initial_for(sponsor),
        save=lambda data: services.sponsor_update(sponsor=sponsor, by=request.user, **data),
        saved=_("Your profile is saved; your matches are updated."),
        next_url=reverse("sponsors:dashboard", args=[sponsor.pk]),
        template="sponsors/sponsor_form.html",
        context={"sponsor": sponsor},
    )


@private_page
@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def sponsor_members(request: HttpRequest, pk: int) -> HttpResponse:
    """Who shares the sponsor's dashboard; its administrators add people
    who already have an account, by email."""
    if not request.user.is_authenticated:
        return _login(request)
    sponsor = _my_sponsor_or_404(request, pk)
    is_admin = rules.is_sponsor_admin(request.user, sponsor)
    form = MemberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not is_admin:
            return error_response(
                request, NotAllowed(_("Only the sponsor's administrators can add members."))
            )
        if form.is_valid():
            person = (
                get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
            )
            if person is None:
                form.add_error("email", _("Nobody has an account with this email address yet."))
                status = 400
            else:
                try:
                    services.sponsor_member_add(
                        sponsor=sponsor,
                        by=request.user,
                        user=person,
                        role=form.cleaned_data["role"],
                    )
                except ServiceError as error:
                    form.add_error(None, error.message)
                    status = error.status_code
                else:
                    messages.success(request, _("The member is added."))
                    return HttpResponseRedirect(reverse("sponsors:members", args=[sponsor.pk]))
        else:
            status = 400
    return TemplateResponse(
        request,
        "sponsors/members.html",
        {
            "sponsor": sponsor,
            "is_admin": is_admin,
            "members": selectors.sponsor_members(sponsor),
            "form": form,
            "admin_role": SponsorMembership.Role.ADMIN,
        },
        status=status,
    )


# --- ideas on behalf of a group -------------------------------------------------------------------


@require_POST
@city_required
@service_errors
def idea_group_link(request: HttpRequest, idea_pk: int) -> HttpResponse:
    """The author of an idea marks it as submitted on behalf of one of the
    author's (approved) groups; the idea's page then shows the group."""
    from ideas.models import Idea

    if not request.user.is_authenticated:
        return _login(request)
    idea = get_object_or_404(Idea, pk=idea_pk, author=request.user)
    form = IdeaGroupForm(request.POST, groups=selectors.groups_to_submit_for(request.user))
    back = reverse("ideas:idea", args=[idea.pk])
    if not form.is_valid():
        messages.error(request, _("Choose one of your groups."))
        return HttpResponseRedirect(back)
    group = CommunityGroup.objects.get(pk=form.cleaned_data["group"])
    services.idea_link_group(idea=idea, group=group, by=request.user)
    messages.success(
        request, _("Your idea is shown as submitted on behalf of %(group)s.") % {"group": group}
    )
    return HttpResponseRedirect(back)


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def idea_initiative_create(request: HttpRequest, idea_pk: int) -> HttpResponse:
    """Turn an accepted idea into a draft initiative: the initiative form,
    pre-filled from the idea, with the group to choose (the author's approved
    groups they administer; for city staff, any approved group). An idea
    that already became an initiative leads to it instead."""
    from ideas.selectors import visible_ideas

    if not request.user.is_authenticated:
        return _login(request)
    user = request.user
    idea = visible_ideas(user).filter(pk=idea_pk).first()
    if idea is None:
        raise Http404
    existing = selectors.idea_initiative(idea.pk)
    if existing is not None:
        if rules.can_view_initiative(user, existing):
            messages.info(request, _("This idea is already an initiative."))
            return HttpResponseRedirect(_initiative_url(existing.pk))
        return error_response(request, Conflict(_("This idea is already an initiative.")))
    if idea.status not in rules.CONVERTIBLE_IDEA_STATUSES:
        return error_response(
            request, Conflict(_("Only an accepted idea can become an initiative."))
        )
    if not rules.may_convert_idea(user, idea):
        return error_response(
            request,
            NotAllowed(_("Only the idea's author or the city can turn it into an initiative.")),
        )
    groups = list(selectors.groups_for_idea_conversion(user, idea))
    context: dict[str, Any] = {"idea": idea, "form": None}
    if not groups:
        return TemplateResponse(request, "sponsors/initiative_form.html", context)
    categories, districts = selectors.filter_options()
    initial = IdeaInitiativeForm.initial_from(idea)
    if group_id := inputs.parse_id(request.GET.get("group")):
        initial["group"] = group_id
    form = IdeaInitiativeForm(
        request.POST or None,
        request.FILES or None,
        groups=groups,
        categories=categories,
        districts=districts,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            group = form.chosen_group()
            try:
                initiative = services.initiative_create(
                    group=group, by=user, source_idea=idea, **form.service_kwargs()
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _(
                        "The initiative of %(group)s is saved as a draft. "
                        "The group's administrators add its needs, then publish it."
                    )
                    % {"group": group.name},
                )
                return HttpResponseRedirect(_initiative_url(initiative.pk))
        else:
            status = 400
    context["form"] = form
    return TemplateResponse(request, "sponsors/initiative_form.html", context, status=status)


# --- offers ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def offer_make(request: HttpRequest, need_pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    need = get_object_or_404(Need.objects.select_related("initiative"), pk=need_pk)
    initiative = _initiative_or_404(request, need.initiative_id)
    sponsors = selectors.my_sponsors(request.user)
    if not sponsors:
        return HttpResponseRedirect(reverse("sponsors:sponsor_signup"))
    chosen = inputs.parse_id(request.POST.get("sponsor"))
    sponsor = next((s for s in sponsors if s.pk == chosen), sponsors[0])
    form = OfferForm(request.POST or None, initial={"quantity": need.remaining})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.offer_make(
                    sponsor=sponsor, need=need, by=request.user, **form.cleaned_data
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, _("Your offer is sent to the group."))
                return HttpResponseRedirect(reverse("sponsors:dashboard", args=[sponsor.pk]))
        else:
            status = 400
    return TemplateResponse(
        request,
        "sponsors/offer_form.html",
        {
            "form": form,
            "need": need,
            "initiative": initiative,
            "sponsors": sponsors,
            "sponsor": sponsor,
        },
        status=status,
    )


def _visible_offer_or_404(request: HttpRequest, pk: int) -> Offer:
    return get_object_or_404(
        selectors.offers_visible_to(request.user).select_related(
            "sponsor", "need", "initiative__group"
        ),
        pk=pk,
    )


@require_POST
@city_required
@service_errors
def offer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The group accepts (all or part) or declines an offer."""
    if not request.user.is_authenticated:
        return _login(request)
    offer = _visible_offer_or_404(request, pk)
    form = DecideOfferForm(request.POST, version_of=offer)
    back = _initiative_url(offer.initiative_id) + "#offers"
    if not rules.can_decide_offer(request.user, offer):
        # Before the version: a stranger's post is a 403, not "out of date".
        return error_response(
            request,
            NotAllowed(_("Only the administrators of this initiative's group can accept offers.")),
            back=back,
        )
    if not form.is_valid():
        if form.stale is not None:
            return error_response(request, form.stale, back=back)
        if form.version_missing or "lock_version" in form.errors:
            # A page from before versions: refuse, never decide unchecked.
            return error_response(request, InvalidInput(str(OUT_OF_DATE)), back=back)
        messages.error(request, _("Choose to accept or decline, and a valid quantity."))
        return HttpResponseRedirect(back)
    version = form.cleaned_data["lock_version"]
    try:
        if form.cleaned_data["decision"] == "accept":
            result = services.offer_accept(
                offer=offer,
                by=request.user,
                quantity=form.cleaned_data.get("quantity"),
                expected_version=version,
            )
            messages.success(request, _("The offer is accepted."))
            if result.matched:
                messages.success(
                    request,
                    _("The city's match fund adds %(amount)s EUR.") % {"amount": result.matched},
                )
            if result.fund_exhausted:
                messages.info(request, _("The city's match fund is now used up."))
        else:
            services.offer_decline(
                offer=offer,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=version,
            )
            messages.success(request, _("The offer is declined."))
    except ServiceError as error:
        return error_response(request, error, back=back)
    return HttpResponseRedirect(back)


@require_POST
@city_required
@service_errors
def offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    offer = _visible_offer_or_404(request, pk)
    services.offer_withdraw(offer=offer, by=request.user)
    messages.success(request, _("Your offer is withdrawn."))
    return HttpResponseRedirect(reverse("sponsors:dashboard", args=[offer.sponsor_id]))
