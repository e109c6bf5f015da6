"""Reads of the current city's people by role, for the admin pages that name
a civil servant (a project's lead, an idea's evaluator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def people_with_roles(*roles: Role) -> QuerySet[User]:
    """The current city's people holding any of ``roles`` (active or not, as
    a field may name someone who has since left), by email."""
    members = Membership.objects.filter(roles__overlap=sorted(r.value for r in roles))
    return get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("email")


def city_staff() -> QuerySet[User]:
    """The city's civil servants: moderators, evaluators and administrators."""
    return people_with_roles(*STAFF_ROLES)
