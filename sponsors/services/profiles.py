"""Sponsor profiles: registering, editing, verifying and members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.accounts.rules import signed_in
from civicideas.content.search_config import search_config
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from ideas.models import Category, District
from sponsors import notifications as kinds
from sponsors import rules
from sponsors.models import (
    NAME_MAX,
    TEXT_MAX,
    ResourceType,
    Sponsor,
    SponsorMembership,
)
from sponsors.services.checks import (
    _clean_email,
    _own_city,
    _queue_recompute,
    _sponsor_member_ids,
    _staff_ids,
    clean_quantity,
    clean_website,
)
from sponsors.services.initiatives import (
    _attach_image,
)

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def _check_sponsor_fields(
    *,
    name: str,
    kind: str,
    description: str,
    website: str,
    contact_email: str,
    categories: Iterable[Category],
    districts: Iterable[District],
    city_wide: bool,
    resource_types: Iterable[str],
    budget_min: Any,
    budget_max: Any,
) -> dict[str, Any]:
    if kind not in Sponsor.Kind.values:
        raise InvalidInput(_("Choose what kind of sponsor you are."))
    types = sorted(set(resource_types or []))
    if not types or any(t not in ResourceType.values for t in types):
        raise InvalidInput(_("Choose at least one resource you can offer."))
    bmin = clean_quantity(budget_min, field=_("Budget")) if budget_min not in (None, "") else None
    bmax = clean_quantity(budget_max, field=_("Budget")) if budget_max not in (None, "") else None
    if bmin is not None and bmax is not None and bmax < bmin:
        raise InvalidInput(_("The budget's upper end must not be below its lower end."))
    return {
        "name": clean_text(name, field=_("Name"), max_length=NAME_MAX, required=True),
        "kind": kind,
        "description": clean_text(
            description, field=_("Description"), max_length=TEXT_MAX, required=False
        ),
        "website": clean_website(website),
        "contact_email": _clean_email(contact_email, field=_("Contact email")),
        "categories": _own_city(categories, message=_("Choose one of the city's categories.")),
        "districts": _own_city(districts, message=_("Choose one of the city's districts.")),
        "city_wide": bool(city_wide),
        "resource_types": types,
        "budget_min": bmin,
        "budget_max": bmax,
    }


def _refresh_sponsor_search(sponsor: Sponsor) -> None:
    config = search_config(current_city().default_language)
    Sponsor.objects.filter(pk=sponsor.pk).update(
        search_vector=SearchVector(Value(sponsor.name), weight="B", config=config)
        + SearchVector(Value(sponsor.description), weight="A", config=config)
    )


@transaction.atomic
def sponsor_register(
    *,
    by: User,
    name: str,
    kind: str,
    contact_email: str,
    description: str = "",
    website: str = "",
    categories: Iterable[Category] = (),
    districts: Iterable[District] = (),
    city_wide: bool = False,
    resource_types: Iterable[str] = (),
    budget_min: Any = None,
    budget_max: Any = None,
    logo: Any = None,
) -> Sponsor:
    """An organisation signs up; it can make offers once the city verifies it."""
    if not signed_in(by):
        raise NotAllowed(_("Sign in to register a sponsor."))
    fields = _check_sponsor_fields(
        name=name,
        kind=kind,
        description=description,
        website=website,
        contact_email=contact_email,
        categories=categories,
        districts=districts,
        city_wide=city_wide,
        resource_types=resource_types,
        budget_min=budget_min,
        budget_max=budget_max,
    )
    cats, dists = fields.pop("categories"), fields.pop("districts")
    sponsor = Sponsor(city=current_city(), created_by=by, **fields)
    if logo:
        _attach_image(sponsor, "logo", logo)
    sponsor.save()
    sponsor.categories.set(cats)
    sponsor.districts.set(dists)
    SponsorMembership.objects.create(
        city=sponsor.city, sponsor=sponsor, user=by, role=SponsorMembership.Role.ADMIN
    )
    rules.forget_memberships(by)
    _refresh_sponsor_search(sponsor)
    notify(
        recipient_ids=_staff_ids(),
        kind=kinds.SPONSOR_TO_VERIFY,
        about=sponsor,
        payload={"name": sponsor.name},
    )
    _queue_recompute(sponsor_ids=[sponsor.pk])
    return sponsor


@transaction.atomic
def sponsor_update(*, sponsor: Sponsor, by: User, **changes: Any) -> Sponsor:
    if not rules.is_sponsor_admin(by, sponsor):
        raise NotAllowed(_("Only the sponsor's administrators can edit its profile."))
    sponsor = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
    current = {
        "name": sponsor.name,
        "kind": sponsor.kind,
        "description": sponsor.description,
        "website": sponsor.website,
        "contact_email": sponsor.contact_email,
        "categories": list(sponsor.categories.all()),
        "districts": list(sponsor.districts.all()),
        "city_wide": sponsor.city_wide,
        "resource_types": sponsor.resource_types,
        "budget_min": sponsor.budget_min,
        "budget_max": sponsor.budget_max,
    }
    logo = changes.pop("logo", None)
    unknown = set(changes) - set(current)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(unknown)})
    fields = _check_sponsor_fields(**{**current, **changes})
    cats, dists = fields.pop("categories"), fields.pop("districts")
    for name, value in fields.items():
        setattr(sponsor, name, value)
    if logo:
        _attach_image(sponsor, "logo", logo)
    sponsor.save()
    sponsor.categories.set(cats)
    sponsor.districts.set(dists)
    _refresh_sponsor_search(sponsor)
    _queue_recompute(sponsor_ids=[sponsor.pk])
    return sponsor


@transaction.atomic
def sponsor_verify(*, sponsor: Sponsor, by: User) -> Sponsor:
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can verify sponsors."))
    sponsor = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
    if sponsor.verified_at is None:
        sponsor.verified_at = timezone.now()
        sponsor.verified_by = by
        sponsor.save(update_fields=["verified_at", "verified_by"])
        notify(
            recipient_ids=_sponsor_member_ids(sponsor),
            kind=kinds.SPONSOR_VERIFIED,
            about=sponsor,
            payload={"name": sponsor.name},
        )
    return sponsor


@transaction.atomic
def sponsor_member_add(
    *, sponsor: Sponsor, by: User, user: User, role: str = SponsorMembership.Role.MEMBER
) -> SponsorMembership:
    if not rules.is_sponsor_admin(by, sponsor):
        raise NotAllowed(_("Only the sponsor's administrators can add members."))
    if role not in SponsorMembership.Role.values:
        raise InvalidInput(_("Choose a valid role."))
    membership, _created = SponsorMembership.objects.update_or_create(
        sponsor=sponsor, user=user, defaults={"city": sponsor.city, "role": role}
    )
    rules.forget_memberships(user)
    return membership
