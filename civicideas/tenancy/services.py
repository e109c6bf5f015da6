"""Writes on cities and memberships."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from civicideas.tenancy.context import current_city
from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role

if TYPE_CHECKING:
    from civicideas.accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def membership_set_roles(*, user: User, roles: Iterable[str], changed_by: User) -> Membership:
    """Give ``user`` exactly ``roles`` in the current city (creating the
    membership if needed). Unknown roles are refused."""
    wanted = sorted({str(role) for role in roles})
    unknown = set(wanted) - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    membership, _created = Membership.objects.select_for_update().get_or_create(
        user=user, city=current_city(), defaults={"roles": wanted}
    )
    if membership.roles != wanted:
        membership.roles = wanted
        membership.save(update_fields=["roles"])
    # Roles are memoised on the user object for the request; drop them so a
    # check later in the same request sees the change.
    user.__dict__.pop("_city_roles", None)
    logger.debug(
        "roles of %s in %s set to %s by %s", user.pk, membership.city_id, wanted, changed_by.pk
    )
    return membership
