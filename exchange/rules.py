"""Who may do what on the exchange. Every rule is about the *current* city
(the host the request came to): a practice is managed from its publishing
city's host by that city's admins, adopted and commented from the adopting
or commenting city's host."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.permissions import is_city_admin, is_city_staff, roles_in_current_city
from civicideas.tenancy.roles import Role

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer
    from exchange.models import Practice


def can_publish(user: Viewer) -> bool:
    return current_city_or_none() is not None and is_city_admin(user)


def can_manage(user: Viewer, practice: Practice) -> bool:
    """Refresh, unpublish: the publishing city's admins, on its host."""
    city = current_city_or_none()
    return city is not None and city.pk == practice.publishing_city_id and is_city_admin(user)


def can_adopt(user: Viewer, practice: Practice) -> bool:
    city = current_city_or_none()
    return (
        city is not None
        and city.pk != practice.publishing_city_id
        and practice.status == practice.Status.PUBLISHED
        and is_city_admin(user)
    )


def can_comment(user: Viewer, practice: Practice) -> bool:
    return (
        current_city_or_none() is not None
        and practice.status == practice.Status.PUBLISHED
        and is_city_staff(user)
    )


def can_mark_tried(user: Viewer, practice: Practice) -> bool:
    return can_adopt(user, practice)


def staff_role(user: Viewer) -> str:
    """The role shown next to a comment: the highest the person holds here."""
    roles = roles_in_current_city(user)
    for role in (Role.CITY_ADMIN, Role.MODERATOR, Role.EVALUATOR):
        if role in roles:
            return role.value
    return Role.CITY_ADMIN.value if getattr(user, "is_superuser", False) else ""
