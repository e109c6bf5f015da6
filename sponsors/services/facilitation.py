"""The facilitator's work: introductions and the match fund."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import Conflict, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from sponsors import notifications as kinds
from sponsors import rules
from sponsors.models import (
    NAME_MAX,
    Initiative,
    Introduction,
    MatchFund,
    Sponsor,
)
from sponsors.services.checks import (
    MESSAGE_MAX,
    _group_member_ids,
    _own_city,
    _sponsor_member_ids,
    clean_quantity,
)

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def introduction_make(
    *, sponsor: Sponsor, initiative: Initiative, by: User, message: str = ""
) -> Introduction:
    """A facilitator introduces a sponsor to an initiative; both sides are
    notified. Introducing the same pair twice returns the first introduction."""
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can introduce sponsors."))
    _own_city([sponsor, initiative], message=_("Choose a sponsor and an initiative of this city."))
    if not initiative.is_public:
        raise Conflict(_("Only published initiatives can be introduced."))
    message = clean_text(message, field=_("Message"), max_length=MESSAGE_MAX, required=False)
    existing = Introduction.objects.filter(sponsor=sponsor, initiative=initiative).first()
    if existing is not None:
        return existing
    intro = Introduction.objects.create(
        city=current_city(),
        sponsor=sponsor,
        initiative=initiative,
        introduced_by=by,
        message=message,
    )
    payload = {"sponsor": sponsor.name, "initiative": initiative.title, "message": message}
    notify(
        recipient_ids=_sponsor_member_ids(sponsor),
        kind=kinds.INTRODUCTION,
        about=intro,
        payload=payload,
    )
    notify(
        recipient_ids=_group_member_ids(initiative.group, admins_only=True),
        kind=kinds.INTRODUCTION,
        about=intro,
        payload=payload,
    )
    return intro


@transaction.atomic
def match_fund_set(
    *,
    by: User,
    name: str,
    ratio: Any,
    cap_per_initiative: Any,
    total_budget: Any,
) -> MatchFund:
    """Create or change the city's active match fund. The budget can never
    drop below what is already committed."""
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can manage the match fund."))
    ratio = clean_quantity(ratio, field=_("Ratio"))
    cap = clean_quantity(cap_per_initiative, field=_("Cap per initiative"))
    budget = clean_quantity(total_budget, field=_("Total budget"))
    fund = MatchFund.objects.select_for_update().filter(is_active=True).first()
    if fund is None:
        fund = MatchFund(city=current_city())
    if budget < fund.committed:
        raise Conflict(
            _("The budget cannot be lower than what is already committed (%(c)s EUR).")
            % {"c": fund.committed}
        )
    fund.name = clean_text(name, field=_("Name"), max_length=NAME_MAX, required=True)
    fund.ratio, fund.cap_per_initiative, fund.total_budget = ratio, cap, budget
    fund.save()
    return fund
