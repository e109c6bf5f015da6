"""Writes on accounts and profiles.

Credentials end together: whatever sets a password or ends an account also
revokes its API tokens in every city (sessions end by themselves: Django
refuses a session whose password hash changed or whose user is inactive or
gone).
"""

from __future__ import annotations

import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models, transaction
from django.utils.translation import gettext

from civicideas.accounts.models import Profile, User
from civicideas.api.tokens import tokens_revoke_all
from civicideas.errors import InvalidInput
from civicideas.tenancy.context import all_cities_context, current_city
from civicideas.tenancy.models import Membership
from civicideas.tenancy.permissions import roles_in_current_city
from civicideas.tenancy.roles import Role


def _default_display_name() -> str:
    """A neutral public name until the person chooses one.

    Not derived from the email address: display names are public, and the
    local part of an address ("jane.doe") often is the person's real name or
    half of their login.
    """
    return gettext("Resident %(code)s") % {"code": secrets.token_hex(3)}


@transaction.atomic(savepoint=False)
def profile_ensure(*, user: User) -> Profile:
    """The user's profile in the current city, created on first participation
    together with a citizen membership. Safe to call on every action.

    No savepoint of its own: its callers are services that roll back as a
    whole on any error, and each ``get_or_create`` keeps its own savepoint
    for the insert race. Two round trips less on every support (issue 17).

    Precondition: a current city (``city_context``; every city request has
    one). Only the current city is touched: an account's profile in another
    city is created when they first take part there.
    """
    city = current_city()
    profile, _created = Profile.objects.get_or_create(
        user=user,
        city=city,
        defaults={
            "display_name": _default_display_name(),
            "preferred_language": city.default_language,
        },
    )
    if Role.CITIZEN in roles_in_current_city(user):
        # Already a citizen here (roles are read once per request anyway):
        # nothing to add to the membership, one query less on every action.
        return profile
    membership, created = Membership.objects.get_or_create(
        user=user, city=city, defaults={"roles": [Role.CITIZEN.value]}
    )
    if not created and Role.CITIZEN not in membership.roles:
        # Appended in SQL, not read-modify-write: a concurrent role change by
        # a city admin (membership_set_roles) must not be lost.
        Membership.objects.filter(pk=membership.pk).exclude(
            roles__contains=[Role.CITIZEN.value]
        ).update(
            roles=models.Func(
                models.F("roles"),
                models.Value(Role.CITIZEN.value),
                function="array_append",
                output_field=ArrayField(models.CharField(max_length=20)),
            )
        )
    # Roles may have changed; drop the per-request memo of the old ones.
    user.__dict__.pop("_city_roles", None)
    return profile


@transaction.atomic
def profile_update(*, user: User, display_name: str, preferred_language: str) -> Profile:
    """A person changes how they appear in the current city and the language
    of their messages there. The language must be one the city offers."""
    city = current_city()
    display_name = " ".join(display_name.split())
    if not display_name or len(display_name) > 80:
        raise InvalidInput(gettext("Give a display name of 1 to 80 characters."))
    if preferred_language and preferred_language not in (city.languages or []):
        raise InvalidInput(gettext("Choose one of the city's languages."))
    profile = profile_ensure(user=user)
    profile.display_name = display_name
    profile.preferred_language = preferred_language
    profile.save(update_fields=["display_name", "preferred_language"])
    return profile


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """Set ``user``'s password (change, reset or first one) and revoke their
    API tokens: a token must not outlive the password it was issued for.
    allauth's adapter calls this for all of its password flows."""
    user.set_password(password)
    user.save(update_fields=["password"])
    tokens_revoke_all(user=user)


@transaction.atomic
def user_set_active(*, user: User, active: bool) -> None:
    """Activate or deactivate an account. Deactivating revokes its API tokens,
    so reactivating it later does not bring old tokens back."""
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    if not active:
        tokens_revoke_all(user=user)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account with its rows in every city (tokens, profiles,
    memberships): the cascade runs across cities, which one city's scope and
    row-level security would not let it reach."""
    tokens_revoke_all(user=user)
    with all_cities_context():
        user.delete()
