from typing import Any

from allauth.account.auth_backends import AuthenticationBackend


class EmailBackend(AuthenticationBackend):
    """allauth's email login, without global group or user permissions.

    Permissions come from city roles only (``CityRoleBackend``); a permission
    granted through a Django group would hold in every city. Superusers keep
    all permissions everywhere.
    """

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return super().get_user_permissions(user_obj, obj) if user_obj.is_superuser else set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return super().get_group_permissions(user_obj, obj) if user_obj.is_superuser else set()
