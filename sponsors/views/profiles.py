"""Sponsor pages: sign-up, dashboard, profile and members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicideas.cache_policy import private_page
from civicideas.errors import NotAllowed, ServiceError
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.errors import error_response
from sponsors import matching, rules, selectors, services
from sponsors.forms import MemberForm, SponsorForm
from sponsors.models import SponsorMembership
from sponsors.views.common import _edit_page, _login, _my_sponsor_or_404


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
