"""Demo groups, initiatives, sponsors, offers and a match fund for
``manage.py seed_demo``. Built through the services so statuses, counters,
pledges and notifications are what real use leaves. Idempotent: a city
that already has groups is left as it is.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civicideas.tenancy.roles import Role
from civicideas.tenancy.services import membership_set_roles
from ideas.models import Category, District, Idea
from ideas.status import IdeaStatus
from sponsors import matching, services
from sponsors.models import CommunityGroup, Initiative, Need, Offer, ResourceType, Unit

if TYPE_CHECKING:
    from civicideas.accounts.models import User

MATCH_FUND_CITY = "riverton"

GROUPS = [
    ("Riverside Gardeners", "We grow vegetables and flowers on empty lots."),
    ("Bike Kitchen", "A repair café for bicycles run by volunteers."),
    ("Neighbours of the Old Town", "Residents who organise street parties and clean-ups."),
    ("Youth Music Collective", "Young musicians looking for rehearsal space."),
]

INITIATIVES = [
    ("Community garden behind the library", "Turn the empty lot into vegetable beds."),
    ("Bicycle repair café", "Free repairs every Saturday with volunteer mechanics."),
    ("Street party on Market Street", "A car-free day with music and food."),
    ("Rehearsal room for young bands", "A soundproofed room for teenagers to play."),
    ("Trees along the river path", "Plant 40 trees for shade and birds."),
    ("Safe cycling lessons for children", "Weekly lessons in the schoolyard."),
    ("Repair the playground benches", "New wood and paint for the old benches."),
    ("Open-air cinema in summer", "Films on the market square in July."),
    ("Seed library", "Swap seeds with your neighbours at the library."),
    ("Winter coat collection", "Collect and hand out warm coats."),
    ("Compost for the whole street", "Shared compost bins and a volunteer rota."),
    ("Cargo bike sharing", "Two cargo bikes shared by the neighbourhood."),
    ("Mural on the underpass", "Local artists paint the grey underpass."),
    ("Language café", "Practise languages over coffee, every Thursday."),
    ("Flower boxes for the old town", "Flower boxes on every window sill of the square."),
    ("Neighbourhood tool library", "Borrow a drill instead of buying one."),
    ("Clean-up of the riverbank", "A big clean-up day with gloves and bags."),
    ("Music lessons in the park", "Free lessons on Sunday afternoons."),
    ("Bike parking at the station", "Covered racks for 100 bicycles."),
    ("Pop-up library on the square", "A bookcase open to everybody."),
]

SPONSORS = [
    ("Riverton Savings Bank", "business", "Funding for green and social projects.", ["funding"]),
    (
        "Green Futures Foundation",
        "foundation",
        "Trees, gardens and green spaces.",
        ["funding", "expertise"],
    ),
    (
        "City Cycles Ltd",
        "business",
        "Bicycles, repairs and cycling lessons.",
        ["materials", "expertise", "volunteers"],
    ),
    ("The Old Warehouse", "business", "Space for rehearsals, workshops and meetings.", ["space"]),
    (
        "Regional Arts Council",
        "public",
        "Culture and music for young people.",
        ["funding", "space"],
    ),
    ("Hardware Corner", "business", "Tools, wood, paint and materials.", ["materials"]),
    ("Jane Doe", "individual", "I help with gardening and compost.", ["volunteers", "expertise"]),
    (
        "Harbour Logistics",
        "business",
        "Vans and volunteers for big clean-ups.",
        ["volunteers", "materials"],
    ),
]

NEED_KINDS = [
    (ResourceType.FUNDING, Unit.EUR, [800, 1500, 3000, 5000]),
    (ResourceType.SPACE, Unit.SQM, [30, 60, 120]),
    (ResourceType.EXPERTISE, Unit.HOURS, [10, 20, 40]),
    (ResourceType.MATERIALS, Unit.ITEMS, [10, 25, 50]),
    (ResourceType.VOLUNTEERS, Unit.PEOPLE, [5, 10, 20]),
]


def _person(city: Any, email: str, password: str) -> User:
    user, created = get_user_model().objects.get_or_create(email=email)
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    membership_set_roles(user=user, roles=[Role.CITIZEN], changed_by=user)
    return user


def _facilitator(city: Any) -> Any:
    return get_user_model().objects.get(email=f"admin@{city.slug}.example")


@transaction.atomic
def seed(city: Any, *, stdout: Any, password: str) -> None:
    if CommunityGroup.objects.exists():
        stdout.write("  sponsors: already seeded")
        return
    rng = random.Random(f"sponsors-{city.slug}")  # noqa: S311 - demo data
    staff = _facilitator(city)
    categories = list(Category.objects.all())
    districts = list(District.objects.all())
    today = timezone.localdate()

    groups, group_admins = [], []
    for i, (name, description) in enumerate(GROUPS):
        admin = _person(city, f"group{i + 1}@{city.slug}.example", password)
        group = services.group_create(
            by=admin, name=name, description=description, contact_email=admin.email
        )
        if i < 3:  # the last one waits for the city's approval
            group = services.group_approve(group=group, by=staff)
        # A second member, who hears what the group's admin does.
        services.group_member_add(
            group=group,
            by=admin,
            user=_person(city, f"member{i + 1}@{city.slug}.example", password),
        )
        groups.append(group)
        group_admins.append(admin)

    sponsors, sponsor_users = [], []
    for i, (name, kind, description, types) in enumerate(SPONSORS):
        user = _person(city, f"sponsor{i + 1}@{city.slug}.example", password)
        sponsor = services.sponsor_register(
            by=user,
            name=name,
            kind=kind,
            description=description,
            contact_email=user.email,
            website=f"https://sponsor{i + 1}.example",
            categories=rng.sample(categories, k=min(2, len(categories))),
            districts=rng.sample(districts, k=min(1, len(districts))),
            city_wide=i % 3 == 0,
            resource_types=types,
            budget_min=Decimal(1000) if "funding" in types else None,
            budget_max=Decimal(rng.choice([5000, 20000, 50000])) if "funding" in types else None,
        )
        if i < 6:  # two stay unverified
            sponsor = services.sponsor_verify(sponsor=sponsor, by=staff)
        sponsors.append(sponsor)
        sponsor_users.append(user)

    if city.slug == MATCH_FUND_CITY:
        services.match_fund_set(
            by=staff,
            name="Riverton match fund",
            ratio=Decimal(1),
            cap_per_initiative=Decimal(1000),
            total_budget=Decimal(10000),
        )

    initiatives = []
    for i, (title, summary) in enumerate(INITIATIVES):
        g = i % 3  # approved groups only
        initiative = services.initiative_create(
            group=groups[g],
            by=group_admins[g],
            title=title,
            summary=summary,
            description=f"{summary}\n\n**Why:** neighbours asked for it.\n\n- step one\n- step two",
            categories=rng.sample(categories, k=min(1 + i % 2, len(categories))),
            district=districts[i % len(districts)] if districts and i % 4 else None,
            starts_on=today + timedelta(days=10 + i),
            ends_on=today + timedelta(days=100 + i),
        )
        for kind, unit, sizes in rng.sample(NEED_KINDS, k=1 + i % 3):
            services.need_add(
                initiative=initiative,
                by=group_admins[g],
                kind=kind,
                quantity=Decimal(rng.choice(sizes)),
                unit=unit,
                description=f"{kind.label} for {title.lower()}",
                deadline=today + timedelta(days=rng.choice([5, 12, 30, 60, 90])),
            )
        if i >= 2:  # the first two stay drafts
            initiative = services.initiative_publish(initiative=initiative, by=group_admins[g])
        initiatives.append((initiative, group_admins[g]))

    # An idea the city accepted becomes an initiative of the first group.
    accepted = Idea.objects.filter(status=IdeaStatus.ACCEPTED).order_by("pk").first()
    if accepted is not None:
        services.initiative_create(
            group=groups[0],
            by=staff,
            title=accepted.title,
            summary="Born from an idea the city accepted.",
            source_idea=accepted,
        )

    verified = [s for s in sponsors if s.is_verified]
    states = ["accepted", "partly", "declined", "withdrawn", "offered", "full"]
    for n, (initiative, admin) in enumerate(initiatives[2:]):
        state = states[n % len(states)]
        for need in Need.objects.filter(initiative=initiative):
            sponsor = next((s for s in verified if need.kind in s.resource_types), None)
            if sponsor is None:
                continue
            user = sponsor_users[sponsors.index(sponsor)]
            whole = state == "full"
            quantity = need.quantity if whole else (need.quantity / 2).quantize(Decimal("1"))
            offer = services.offer_make(
                sponsor=sponsor,
                need=need,
                by=user,
                quantity=quantity,
                message="We would be glad to help.",
            )
            if state in ("accepted", "full"):
                services.offer_accept(offer=offer, by=admin)
            elif state == "partly":
                services.offer_accept(offer=offer, by=admin, quantity=max(Decimal(1), quantity / 2))
            elif state == "declined":
                services.offer_decline(offer=offer, by=admin, reason="We found another way.")
            elif state == "withdrawn":
                services.offer_withdraw(offer=offer, by=user)
    # Two finished stories.
    services.initiative_complete(initiative=initiatives[-1][0], by=initiatives[-1][1])
    services.initiative_cancel(initiative=initiatives[-2][0], by=initiatives[-2][1])
    services.introduction_make(
        sponsor=verified[0], initiative=initiatives[3][0], by=staff, message="You could help!"
    )
    matching.recompute_sponsors([s.pk for s in sponsors])
    stdout.write(
        f"  sponsors: {len(groups)} groups, {Initiative.objects.count()} initiatives, "
        f"{len(sponsors)} sponsors, {Offer.objects.count()} offers"
    )
