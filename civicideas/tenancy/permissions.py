"""Who may do what in the current city.

Roles are per city (``Membership.roles``) and map to Django model
permissions here, so the admin's own permission checks work per city: a
moderator of riverton has no permission at all on lakeside's host. Each app
registers what its roles may do in its ``AppConfig.ready``.

Global Django groups and user permissions are ignored on purpose (see
``civicideas.accounts.backends``): a permission granted there would hold in
every city.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils.functional import LazyObject, empty

from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

_ROLE_PERMISSIONS: dict[str, set[str]] = defaultdict(set)


def register_role_permissions(role: Role, perms: Iterable[str]) -> None:
    """Grant ``perms`` ("app_label.codename") to ``role`` in every city."""
    _ROLE_PERMISSIONS[role].update(perms)


def permissions_for_roles(roles: Iterable[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= _ROLE_PERMISSIONS.get(role, set())
    return frozenset(granted)


def roles_in_current_city(user: Viewer) -> frozenset[str]:
    """The user's roles in the current city, memoised on the user object for
    the request (one query per request at most)."""
    city = current_city_or_none()
    if city is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    owner: Any = user
    if isinstance(user, LazyObject):
        # ``request.user`` itself: memoise on the user it wraps, where
        # ``User.is_staff`` (the admin's permission check) looks too; the
        # wrapper's own ``__dict__`` was a second memo and a second query
        # on every admin page (issue 17).
        if user._wrapped is empty:
            user._setup()
        owner = user._wrapped
    cache = owner.__dict__.setdefault("_city_roles", {})
    if city.pk not in cache:
        from civicideas.tenancy.models import Membership

        roles = Membership.objects.filter(user=user).values_list("roles", flat=True).first()
        remember_roles(owner, city.pk, roles)
    return cache[city.pk]


def remember_roles(user: Any, city_id: int, roles: Iterable[str] | None) -> None:
    """Memoise ``user``'s roles in a city for the request (the sign-in
    backend reads them with the user: ``accounts.backends``)."""
    user.__dict__.setdefault("_city_roles", {})[city_id] = frozenset(roles or ())


def has_role(user: Viewer, *roles: Role) -> bool:
    return bool(roles_in_current_city(user) & set(roles))


def is_city_staff(user: Viewer) -> bool:
    """Opens the current city's admin: superusers and staff roles."""
    return bool(getattr(user, "is_superuser", False) and user.is_active) or bool(
        roles_in_current_city(user) & STAFF_ROLES
    )


def is_city_admin(user: Viewer) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or has_role(
        user, Role.CITY_ADMIN
    )


def is_city_moderator(user: Viewer) -> bool:
    return is_city_admin(user) or has_role(user, Role.MODERATOR)


def is_city_evaluator(user: Viewer) -> bool:
    return is_city_admin(user) or has_role(user, Role.EVALUATOR)


# What each role may do on the models that exist so far; later apps register
# their own (ideas, evaluation, sponsors) in their AppConfig.ready.
#
# * moderator: sees who is who (memberships, profiles) and may correct an
#   offensive display name: both are part of moderating a city's content.
# * evaluator: nothing here; evaluators work on ideas and scorecards, and do
#   not need (so do not get) the people lists.
# * city_admin: the city's settings (not its slug, active flag or domains,
#   see CityAdmin), its people and their roles.
register_role_permissions(
    Role.MODERATOR,
    [
        "tenancy.view_membership",
        "accounts.view_profile",
        "accounts.change_profile",
    ],
)
register_role_permissions(
    Role.CITY_ADMIN,
    [
        "tenancy.view_city",
        "tenancy.change_city",
        "tenancy.view_domain",
        "tenancy.view_membership",
        "tenancy.add_membership",
        "tenancy.change_membership",
        "tenancy.delete_membership",
        "accounts.view_profile",
        "accounts.change_profile",
    ],
)
