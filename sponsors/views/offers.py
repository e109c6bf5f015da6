"""Offers against a need: make, decide (the initiative's side) and withdraw."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicideas import inputs
from civicideas.concurrency import OUT_OF_DATE
from civicideas.errors import InvalidInput, NotAllowed, ServiceError
from civicideas.web.confirm import confirm_page
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.errors import error_response
from civicideas.web.ratelimit import limit_take
from sponsors import rules, selectors, services
from sponsors.forms import DecideOfferForm, OfferForm
from sponsors.models import Need, Offer
from sponsors.views.common import _initiative_or_404, _initiative_url, _login


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def offer_make(request: HttpRequest, need_pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    need = get_object_or_404(Need.objects.select_related("initiative"), pk=need_pk)
    initiative = _initiative_or_404(request, need.initiative_id)
    need.initiative = initiative
    refusal = rules.need_offer_refusal(need)
    if refusal is not None:  # before the form: a closed need shows no form to fill in
        return error_response(request, refusal, back=_initiative_url(initiative.pk) + "#needs")
    sponsors = selectors.my_sponsors(request.user)
    # A resident may offer their own time on a volunteers need; the other
    # needs take offers from sponsors only (``rules.personal_offer_refusal``).
    personal = rules.can_offer_time(request.user, need)
    if not sponsors and not personal:
        return HttpResponseRedirect(reverse("sponsors:sponsor_signup"))
    raw_choice = request.POST.get("sponsor", request.GET.get("as", ""))
    chosen = inputs.parse_id(raw_choice)
    sponsor = next((s for s in sponsors if s.pk == chosen), None)
    if sponsor is None and not (personal and (raw_choice == "me" or not sponsors)):
        sponsor = sponsors[0] if sponsors else None
    form = OfferForm(request.POST or None, initial={"quantity": need.remaining})
    status = 200
    if request.method == "POST":
        limit_take(request, "offer")
        if form.is_valid():
            try:
                services.offer_make(
                    sponsor=sponsor, need=need, by=request.user, **form.cleaned_data
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                if sponsor is None:
                    messages.success(
                        request, _("Thank you: your offer of help is sent to the group.")
                    )
                    return HttpResponseRedirect(_initiative_url(initiative.pk) + "#my-offers")
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
            "personal": personal,
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


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation step (``civicideas.web.confirm``); POST: withdraw."""
    if not request.user.is_authenticated:
        return _login(request)
    offer = _visible_offer_or_404(request, pk)
    back = (
        _initiative_url(offer.initiative_id) + "#my-offers"
        if offer.sponsor_id is None
        else reverse("sponsors:dashboard", args=[offer.sponsor_id])
    )
    if request.method == "GET":
        if not rules.can_withdraw_offer(request.user, offer):
            return error_response(
                request, NotAllowed(_("This offer cannot be withdrawn.")), back=back
            )
        return confirm_page(
            request,
            title=_("Withdraw this offer?"),
            consequence=_(
                "The group of “%(initiative)s” is told that you withdrew your offer. "
                "You can make a new one while the need is open."
            )
            % {"initiative": offer.initiative.title},
            button=_("Yes, withdraw the offer"),
            back=back,
        )
    services.offer_withdraw(offer=offer, by=request.user)
    messages.success(request, _("Your offer is withdrawn."))
    if offer.sponsor_id is None:
        return HttpResponseRedirect(_initiative_url(offer.initiative_id) + "#my-offers")
    return HttpResponseRedirect(reverse("sponsors:dashboard", args=[offer.sponsor_id]))
