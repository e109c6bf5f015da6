"""Who may do what with groups, initiatives, sponsors and offers.

Each object predicate that decides a list has a queryset twin in
``sponsors.selectors`` (``initiatives_visible_to``, ``offers_visible_to``,
``groups_visible_to``); ``tests/sponsors/test_rules.py`` checks that they agree.
Membership reads are memoised per user object (one query per request each).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.accounts.rules import signed_in
from civicideas.errors import Conflict, NotAllowed, ServiceError
from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.permissions import is_city_admin, is_city_staff
from ideas.status import IdeaStatus
from sponsors.models import (
    CommunityGroup,
    GroupMembership,
    Initiative,
    InitiativeStatus,
    Offer,
    ResourceType,
    Sponsor,
    SponsorMembership,
)

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer


def group_roles(user: Viewer) -> dict[int, str]:
    """{group id: role} for the user in the current city, memoised."""
    if not signed_in(user):
        return {}
    city = current_city_or_none()
    key = city.pk if city else None
    cache = user.__dict__.setdefault("_sponsors_group_roles", {})
    if key not in cache:
        cache[key] = dict(GroupMembership.objects.filter(user=user).values_list("group_id", "role"))
    return cache[key]


def sponsor_roles(user: Viewer) -> dict[int, str]:
    """{sponsor id: role} for the user in the current city, memoised."""
    if not signed_in(user):
        return {}
    city = current_city_or_none()
    key = city.pk if city else None
    cache = user.__dict__.setdefault("_sponsors_sponsor_roles", {})
    if key not in cache:
        cache[key] = dict(
            SponsorMembership.objects.filter(user=user).values_list("sponsor_id", "role")
        )
    return cache[key]


def remember_sponsor_roles(user: Viewer, roles: dict[int, str]) -> None:
    """Memoise ``roles`` as ``sponsor_roles`` would have read them, for a
    page that read them with its other rows (``sponsors.best_match``)."""
    city = current_city_or_none()
    cache = user.__dict__.setdefault("_sponsors_sponsor_roles", {})
    cache[city.pk if city else None] = roles


def forget_memberships(user: Viewer) -> None:
    """Drop the memoised memberships after the user joined or left one."""
    user.__dict__.pop("_sponsors_group_roles", None)
    user.__dict__.pop("_sponsors_sponsor_roles", None)


# --- facilitators ---------------------------------------------------------------------


def is_facilitator(user: Viewer) -> bool:
    """The city's staff who approve groups, verify sponsors and introduce
    them: city admins (and platform superusers)."""
    return signed_in(user) and is_city_admin(user)


# --- groups -----------------------------------------------------------------------------


def is_group_member(user: Viewer, group: CommunityGroup) -> bool:
    return group.pk in group_roles(user)


def is_group_admin(user: Viewer, group: CommunityGroup) -> bool:
    return group_roles(user).get(group.pk) == GroupMembership.Role.ADMIN


def can_view_group(user: Viewer, group: CommunityGroup) -> bool:
    return group.is_approved or is_group_member(user, group) or is_city_staff(user)


def can_create_group(user: Viewer) -> bool:
    return signed_in(user)


# --- initiatives ---------------------------------------------------------------------------


def can_view_initiative(user: Viewer, initiative: Initiative) -> bool:
    if initiative.is_public and initiative.group.is_approved:
        return True
    return is_group_member(user, initiative.group) or is_city_staff(user)


def can_manage_initiative(user: Viewer, initiative: Initiative) -> bool:
    """Edit, publish, add needs, decide on offers: admins of *its* group."""
    return is_group_admin(user, initiative.group)


def can_create_initiative(user: Viewer, group: CommunityGroup) -> bool:
    return is_group_admin(user, group)


#: Statuses of an idea that can become an initiative: the city said yes.
CONVERTIBLE_IDEA_STATUSES = frozenset(
    {IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED}
)


def idea_conversion_refusal(user: Viewer, idea: Any) -> ServiceError | None:
    """Why ``user`` may not turn ``idea`` into an initiative of any group, or
    None: an accepted idea can become one, at the hands of its author or of
    the city's staff. The one statement of the rule: the conversion page
    answers with this error before showing its form, the service raises it
    under the idea's row lock, and ``may_convert_idea`` is its yes/no (the
    idea page's link)."""
    if idea.status not in CONVERTIBLE_IDEA_STATUSES:
        return Conflict(_("Only an accepted idea can become an initiative."))
    if not signed_in(user) or (idea.author_id != user.pk and not is_city_staff(user)):
        return NotAllowed(_("Only the idea's author or the city can turn it into an initiative."))
    return None


def may_convert_idea(user: Viewer, idea: Any) -> bool:
    """``idea_conversion_refusal`` finds nothing to refuse; which group it
    goes to is ``can_convert_idea_for``."""
    return idea_conversion_refusal(user, idea) is None


def can_convert_idea_for(user: Viewer, idea: Any, group: CommunityGroup) -> bool:
    """``user`` may turn ``idea`` into an initiative of ``group``: an approved
    group the author administers, or for city staff any approved group.
    Queryset twin: ``selectors.groups_for_idea_conversion``."""
    return (
        may_convert_idea(user, idea)
        and group.is_approved
        and (is_city_staff(user) or is_group_admin(user, group))
    )


def can_post_update(user: Viewer, initiative: Initiative) -> bool:
    return is_group_member(user, initiative.group) and initiative.status != InitiativeStatus.DRAFT


# --- sponsors and offers -------------------------------------------------------------------------


def is_sponsor_member(user: Viewer, sponsor: Sponsor | None) -> bool:
    return sponsor is not None and sponsor.pk in sponsor_roles(user)


def is_sponsor_admin(user: Viewer, sponsor: Sponsor) -> bool:
    return sponsor_roles(user).get(sponsor.pk) == SponsorMembership.Role.ADMIN


def need_offer_refusal(need: Any, *, today: Any = None) -> ServiceError | None:
    """Why ``need`` takes no offer now, or None. The one statement of the
    rule: the initiative page marks the need closed and shows no offer
    button, the offer page answers with this error before its form, and
    ``offer_make`` raises it under the need's row lock. A cancelled or
    completed initiative closes all its needs, whatever their figures."""
    initiative = need.initiative
    if initiative.status == InitiativeStatus.CANCELLED:
        return Conflict(_("This initiative was cancelled: its needs no longer accept offers."))
    if initiative.status == InitiativeStatus.COMPLETED:
        return Conflict(_("This initiative is completed: its needs no longer accept offers."))
    if not initiative.accepts_offers or not need.is_open:
        return Conflict(_("This need does not accept offers any more."))
    today = today or timezone.localdate()
    if need.deadline is not None and need.deadline < today:
        return Conflict(_("The deadline of this need has passed."))
    return None


#: Needs a resident may answer in their own name, without a sponsor: their
#: time. Money, space, materials and expertise come from verified sponsors.
PERSONAL_OFFER_KINDS = frozenset({ResourceType.VOLUNTEERS})


def personal_offer_refusal(user: Viewer, need: Any) -> ServiceError | None:
    """Why ``user`` may not offer their own time on ``need``, or None: any
    signed-in person may, on an open volunteers need (``need_offer_refusal``
    comes first). The page shows its button when this is None, and
    ``offer_make`` without a sponsor raises it."""
    if not signed_in(user):
        return NotAllowed(_("Sign in to offer your help."))
    if need.kind not in PERSONAL_OFFER_KINDS:
        return NotAllowed(
            _("Only volunteer needs take offers from residents; sponsors answer the others.")
        )
    return need_offer_refusal(need)


def can_offer_time(user: Viewer, need: Any) -> bool:
    return personal_offer_refusal(user, need) is None


def is_own_offer(user: Viewer, offer: Offer) -> bool:
    """A resident's offer in their own name, seen by that resident."""
    return offer.sponsor_id is None and signed_in(user) and offer.made_by_id == user.pk


def can_make_offer(user: Viewer, sponsor: Sponsor) -> bool:
    return is_sponsor_member(user, sponsor) and sponsor.is_verified


def can_view_offer(user: Viewer, offer: Offer) -> bool:
    """The sponsor's members, the initiative's group members and city staff;
    never other sponsors."""
    return (
        is_sponsor_member(user, offer.sponsor)
        or is_own_offer(user, offer)
        or is_group_member(user, offer.initiative.group)
        or is_city_staff(user)
    )


def can_decide_offer(user: Viewer, offer: Offer) -> bool:
    return can_manage_initiative(user, offer.initiative)


def can_withdraw_offer(user: Viewer, offer: Offer) -> bool:
    return (
        is_sponsor_member(user, offer.sponsor) or is_own_offer(user, offer)
    ) and offer.state == Offer.State.OFFERED
