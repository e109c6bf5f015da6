"""Authentication backend granting model permissions from city roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from civicideas.tenancy.permissions import permissions_for_roles, roles_in_current_city


class CityRoleBackend(BaseBackend):
    """Model permissions from the user's roles in the current city."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is not None:
            return set()
        return set(permissions_for_roles(roles_in_current_city(user_obj)))

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self.get_all_permissions(user_obj))
