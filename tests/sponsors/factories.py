"""Factories for groups, initiatives, needs, sponsors and offers. Use inside
``city_context(city)``; rows are written directly (services are tested on
their own), with the denormalised figures refreshed where they matter."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from civicideas.tenancy.context import current_city
from sponsors.models import (
    CommunityGroup,
    GroupMembership,
    Initiative,
    InitiativeStatus,
    MatchFund,
    Need,
    Offer,
    ResourceType,
    Sponsor,
    SponsorMembership,
    Unit,
)
from tests.factories import UserFactory


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityGroup

    city = factory.LazyFunction(current_city)
    name = factory.Sequence(lambda n: f"Group {n}")
    description = "Neighbours who garden together."
    contact_email = factory.Sequence(lambda n: f"group{n}@example.org")
    created_by = factory.SubFactory(UserFactory)
    approved_at = factory.LazyFunction(timezone.now)


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    city = factory.LazyFunction(current_city)
    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    role = GroupMembership.Role.ADMIN


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    city = factory.LazyFunction(current_city)
    group = factory.SubFactory(GroupFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    summary = "A community garden by the river."
    description = "We turn an empty lot into a **garden**."
    status = InitiativeStatus.SEEKING
    published_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    city = factory.LazyFunction(current_city)
    initiative = factory.SubFactory(InitiativeFactory)
    kind = ResourceType.FUNDING
    quantity = Decimal("1000")
    unit = Unit.EUR
    description = "Seeds and tools"


class SponsorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsor

    city = factory.LazyFunction(current_city)
    name = factory.Sequence(lambda n: f"Sponsor {n}")
    kind = Sponsor.Kind.BUSINESS
    description = "We support green projects in the city."
    contact_email = factory.Sequence(lambda n: f"sponsor{n}@example.org")
    resource_types = factory.LazyFunction(lambda: [ResourceType.FUNDING.value])
    created_by = factory.SubFactory(UserFactory)
    verified_at = factory.LazyFunction(timezone.now)


class SponsorMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SponsorMembership

    city = factory.LazyFunction(current_city)
    sponsor = factory.SubFactory(SponsorFactory)
    user = factory.SubFactory(UserFactory)
    role = SponsorMembership.Role.ADMIN


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    city = factory.LazyFunction(current_city)
    sponsor = factory.SubFactory(SponsorFactory)
    need = factory.SubFactory(NeedFactory)
    initiative = factory.LazyAttribute(lambda o: o.need.initiative)
    quantity = Decimal("100")
    made_by = factory.SubFactory(UserFactory)


class MatchFundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchFund

    city = factory.LazyFunction(current_city)
    name = "City match fund"
    ratio = Decimal("1")
    cap_per_initiative = Decimal("500")
    total_budget = Decimal("10000")


def refresh(initiative: Initiative) -> Initiative:
    """Recompute the denormalised need figures as the services do."""
    from sponsors.services import _initiative_refresh

    return _initiative_refresh(initiative)


def admin_of(group: CommunityGroup):
    return GroupMembershipFactory(group=group).user


def member_of_sponsor(sponsor: Sponsor):
    return SponsorMembershipFactory(sponsor=sponsor).user
