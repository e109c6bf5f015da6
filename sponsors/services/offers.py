"""Offers: making, accepting (also in part, with the match fund),
declining and withdrawing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.accounts.models import Profile
from civicideas.concurrency import bump_version, check_version
from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from sponsors import notifications as kinds
from sponsors import rules
from sponsors.models import (
    MatchFund,
    MatchPledge,
    Need,
    Offer,
    ResourceType,
    Sponsor,
    Unit,
)
from sponsors.services.checks import (
    CENT,
    MESSAGE_MAX,
    ZERO,
    _group_member_ids,
    _queue_recompute,
    _sponsor_member_ids,
    _staff_ids,
    clean_quantity,
)
from sponsors.services.initiatives import (
    _initiative_refresh,
    _locked_initiative,
)

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def offer_make(
    *,
    sponsor: Sponsor | None,
    need: Need,
    by: User,
    quantity: Any,
    message: str = "",
    conditions: str = "",
) -> Offer:
    """A member of a verified sponsor offers (part of) an open need; or,
    with ``sponsor=None``, a resident offers their own time on an open
    volunteers need (``rules.personal_offer_refusal``), once per need while
    the first offer waits for an answer.

    Every check comes before the first write, so a refused offer writes
    nothing. Takes the need's row lock (first in the lock order), so two
    posts of one resident cannot both pass the once-per-need check.
    """
    city = current_city()
    if (sponsor is not None and sponsor.city_id != city.pk) or need.city_id != city.pk:
        raise InvalidInput(_("This need is not one of this city's."))
    if sponsor is not None:
        if not rules.is_sponsor_member(by, sponsor):
            raise NotAllowed(_("Only the sponsor's members can make offers for it."))
        if not sponsor.is_verified:
            raise NotAllowed(_("The city must verify your organisation before it can make offers."))
    amount = clean_quantity(quantity, field=_("Quantity"))
    message = clean_text(message, field=_("Message"), max_length=MESSAGE_MAX, required=False)
    conditions = clean_text(
        conditions, field=_("Conditions"), max_length=MESSAGE_MAX, required=False
    )
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("initiative__group")
        .get(pk=need.pk)
    )
    initiative = need.initiative
    refusal = (
        rules.need_offer_refusal(need)
        if sponsor is not None
        else rules.personal_offer_refusal(by, need)
    )
    if refusal is not None:
        raise refusal
    if (
        sponsor is None
        and Offer.objects.filter(
            need=need, sponsor__isnull=True, made_by_id=by.pk, state=Offer.State.OFFERED
        ).exists()
    ):
        raise Conflict(_("You have already offered your help for this need."))
    offer = Offer.objects.create(
        city=city,
        sponsor=sponsor,
        need=need,
        initiative=initiative,
        quantity=amount,
        message=message,
        conditions=conditions,
        made_by=by,
    )
    notify(
        recipient_ids=_group_member_ids(initiative.group, admins_only=True),
        kind=kinds.OFFER_RECEIVED,
        about=offer,
        payload={
            "sponsor": sponsor.name if sponsor is not None else _volunteer_name(by.pk),
            "initiative": initiative.title,
            "quantity": str(amount),
        },
    )
    return offer


def _volunteer_name(user_id: int) -> str:
    """How the group reads a resident's name: their display name in the city."""
    name = Profile.objects.filter(user_id=user_id).values_list("display_name", flat=True).first()
    return name or _("A resident")


def _offerer_name(offer: Offer) -> str:
    return offer.sponsor.name if offer.sponsor is not None else _volunteer_name(offer.made_by_id)


def _offerer_ids(offer: Offer) -> list[int]:
    """Who hears about an offer's fate: the sponsor's members, or the resident."""
    if offer.sponsor is None:
        return [offer.made_by_id]
    return _sponsor_member_ids(offer.sponsor)


@dataclass(frozen=True)
class Acceptance:
    offer: Offer
    accepted: Decimal
    matched: Decimal
    fund_exhausted: bool


def _match(*, offer: Offer, need: Need, amount: Decimal) -> tuple[Decimal, bool]:
    """Pledge the city's match for ``amount`` EUR accepted from a sponsor.

    Precondition: the need's row lock is held. Takes the fund's row lock so
    concurrent acceptances (even on other initiatives) commit within the
    total budget; the per-initiative cap is read under the same lock.
    Returns (pledged, fund now exhausted).
    """
    if need.kind != ResourceType.FUNDING or need.unit != Unit.EUR:
        return ZERO, False
    fund = MatchFund.objects.select_for_update().filter(is_active=True).first()
    if fund is None:
        return ZERO, False
    already = MatchPledge.objects.filter(fund=fund, initiative_id=need.initiative_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    pledge = min(
        (amount * fund.ratio).quantize(CENT, rounding=ROUND_DOWN),
        fund.cap_per_initiative - already,
        fund.total_budget - fund.committed,
        need.quantity - need.fulfilled,  # the match fills the need too, never above it
    )
    if pledge <= 0:
        return ZERO, fund.total_budget - fund.committed <= 0
    MatchPledge.objects.create(
        city=fund.city, fund=fund, offer=offer, initiative_id=need.initiative_id, amount=pledge
    )
    MatchFund.objects.filter(pk=fund.pk).update(committed=F("committed") + pledge)
    need.fulfilled += pledge
    return pledge, fund.total_budget - fund.committed - pledge <= 0


@transaction.atomic
def offer_accept(
    *, offer: Offer, by: User, quantity: Any = None, expected_version: int | None = None
) -> Acceptance:
    """The group accepts an offer, all of it or ``quantity`` of it.

    Locks the need's row first, so parallel acceptances on the same need
    queue up and each sees what the previous one filled: the fulfilled
    quantity never exceeds the need (CHECK constraint as a backstop). An
    acceptance asking more than is still needed is refused with the
    remaining amount, so the group can accept part of the offer. Funding in
    EUR is matched by the city's fund within its caps (``_match``).
    ``expected_version``: the offer's ``lock_version`` the group saw.
    """
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("initiative__group")
        .filter(pk=offer.need_id)
        .first()
    )
    if need is None:
        raise NotAllowed(_("This offer is not one of this city's."))
    if not rules.can_manage_initiative(by, need.initiative):
        raise NotAllowed(_("Only the administrators of this initiative's group can accept offers."))
    offer = Offer.objects.select_for_update(of=("self",)).select_related("sponsor").get(pk=offer.pk)
    check_version(offer, expected_version)
    if offer.state != Offer.State.OFFERED:
        raise Conflict(_("This offer has already been decided or withdrawn."))
    initiative = _locked_initiative(need.initiative)
    if not initiative.accepts_offers or need.closed_at is not None:
        raise Conflict(_("This need does not accept offers any more."))
    amount = (
        offer.quantity if quantity in (None, "") else clean_quantity(quantity, field=_("Quantity"))
    )
    if amount > offer.quantity:
        raise InvalidInput(_("You cannot accept more than was offered."))
    remaining = need.quantity - need.fulfilled
    if remaining <= 0:
        raise Conflict(_("This need is already fully resourced."))
    if amount > remaining:
        raise Conflict(
            _("Only %(remaining)s %(unit)s are still needed. Accept part of the offer instead.")
            % {"remaining": remaining, "unit": need.get_unit_display()}
        )
    need.fulfilled += amount
    offer.accepted_quantity = amount
    offer.state = Offer.State.ACCEPTED if amount == offer.quantity else Offer.State.PARTLY_ACCEPTED
    offer.decided_by = by
    offer.decided_at = timezone.now()
    offer.save(
        update_fields=[
            "accepted_quantity",
            "state",
            "decided_by",
            "decided_at",
            *bump_version(offer, by=by),
        ]
    )
    matched, exhausted = _match(offer=offer, need=need, amount=amount)
    need.save(update_fields=["fulfilled"])
    _initiative_refresh(initiative)
    payload = {
        "sponsor": _offerer_name(offer),
        "initiative": initiative.title,
        "accepted": str(amount),
        "unit": need.unit,
        "matched": str(matched),
    }
    notify(
        recipient_ids=_offerer_ids(offer),
        kind=kinds.OFFER_ACCEPTED,
        about=offer,
        payload=payload,
    )
    notify(
        recipient_ids=[uid for uid in _group_member_ids(initiative.group) if uid != by.pk],
        kind=kinds.OFFER_ACCEPTED_BY_GROUP,
        about=offer,
        payload=payload,
    )
    if matched:
        notify(recipient_ids=_staff_ids(), kind=kinds.MATCH_PLEDGED, about=offer, payload=payload)
    _queue_recompute(initiative_ids=[initiative.pk])
    return Acceptance(offer=offer, accepted=amount, matched=matched, fund_exhausted=exhausted)


@transaction.atomic
def offer_decline(
    *, offer: Offer, by: User, reason: str = "", expected_version: int | None = None
) -> Offer:
    """The group declines an offer (``expected_version`` as for accepting)."""
    offer = (
        # Not the sponsor's row: it is the nullable side of an outer join
        # (a resident's own offer has none), which FOR UPDATE cannot lock.
        Offer.objects.select_for_update(of=("self", "initiative", "initiative__group"))
        .select_related("sponsor", "initiative__group")
        .get(pk=offer.pk)
    )
    if not rules.can_decide_offer(by, offer):
        raise NotAllowed(
            _("Only the administrators of this initiative's group can decline offers.")
        )
    check_version(offer, expected_version)
    if offer.state != Offer.State.OFFERED:
        raise Conflict(_("This offer has already been decided or withdrawn."))
    reason = clean_text(reason, field=_("Reason"), max_length=MESSAGE_MAX, required=False)
    offer.state = Offer.State.DECLINED
    offer.decided_by = by
    offer.decided_at = timezone.now()
    offer.save(update_fields=["state", "decided_by", "decided_at", *bump_version(offer, by=by)])
    notify(
        recipient_ids=_offerer_ids(offer),
        kind=kinds.OFFER_DECLINED,
        about=offer,
        payload={"initiative": offer.initiative.title, "reason": reason},
    )
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, by: User) -> Offer:
    offer = (
        # Not the sponsor's row: it is the nullable side of an outer join
        # (a resident's own offer has none), which FOR UPDATE cannot lock.
        Offer.objects.select_for_update(of=("self", "initiative", "initiative__group"))
        .select_related("sponsor", "initiative__group")
        .get(pk=offer.pk)
    )
    if not (rules.is_sponsor_member(by, offer.sponsor) or rules.is_own_offer(by, offer)):
        raise NotAllowed(_("Only the sponsor's members can withdraw its offers."))
    if offer.state != Offer.State.OFFERED:
        raise Conflict(_("This offer has already been decided or withdrawn."))
    offer.state = Offer.State.WITHDRAWN
    offer.decided_by = by
    offer.decided_at = timezone.now()
    offer.save(update_fields=["state", "decided_by", "decided_at", *bump_version(offer, by=by)])
    notify(
        recipient_ids=_group_member_ids(offer.initiative.group, admins_only=True),
        kind=kinds.OFFER_WITHDRAWN,
        about=offer,
        payload={"sponsor": _offerer_name(offer)},
    )
    return offer
