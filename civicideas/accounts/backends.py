from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.auth_backends import AuthenticationBackend

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer


class EmailBackend(AuthenticationBackend):
    """allauth's email login, without global group or user permissions.

    Permissions come from city roles only (``CityRoleBackend``); a permission
    granted through a Django group would hold in every city. Superusers keep
    all permissions everywhere.
    """

    def get_user_permissions(self, user_obj: Viewer, obj: Any = None) -> set[str]:
        return super().get_user_permissions(user_obj, obj) if user_obj.is_superuser else set()

    def get_group_permissions(self, user_obj: Viewer, obj: Any = None) -> set[str]:
        return super().get_group_permissions(user_obj, obj) if user_obj.is_superuser else set()
