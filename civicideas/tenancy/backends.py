"""Authentication backend granting model permissions from city roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civicideas.tenancy.permissions import permissions_for_roles, roles_in_current_city

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer


class CityRoleBackend:
    """Model permissions from the user's roles in the current city.

    Deliberately not a ``BaseBackend``: that base class defines ``get_user``
    (returning None), and Django's test client ``force_login`` and
    ``login()`` pick the first backend that has ``get_user``. Listed first in
    AUTHENTICATION_BACKENDS, this backend would then be stored in the session
    and every such session would load as anonymous. It only answers
    permission questions; logging in is ``EmailBackend``'s job.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def get_all_permissions(self, user_obj: Viewer, obj: Any = None) -> set[str]:
        # Object permissions are not granted by roles: a role holds for the
        # whole current city, and the querysets are already scoped to it.
        if obj is not None:
            return set()
        return set(permissions_for_roles(roles_in_current_city(user_obj)))

    def has_perm(self, user_obj: Viewer, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Viewer, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self.get_all_permissions(user_obj))
