"""Writes on accounts and profiles."""

from __future__ import annotations

from django.db import transaction

from civicideas.accounts.models import Profile, User
from civicideas.tenancy.context import current_city
from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role


def _default_display_name(user: User) -> str:
    return user.email.split("@", 1)[0][:80]


@transaction.atomic
def profile_ensure(*, user: User) -> Profile:
    """The user's profile in the current city, created on first participation
    together with a citizen membership. Safe to call on every action."""
    city = current_city()
    profile, _created = Profile.objects.get_or_create(
        user=user,
        city=city,
        defaults={
            "display_name": _default_display_name(user),
            "preferred_language": city.default_language,
        },
    )
    membership, created = Membership.objects.get_or_create(
        user=user, city=city, defaults={"roles": [Role.CITIZEN]}
    )
    if not created and Role.CITIZEN not in membership.roles:
        membership.roles = [*membership.roles, Role.CITIZEN]
        membership.save(update_fields=["roles"])
    return profile
