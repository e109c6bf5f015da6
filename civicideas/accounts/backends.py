from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery

from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.permissions import remember_roles

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

    def get_user(self, user_id: Any) -> Any:
        """The signed-in person of a request, with their roles in the current
        city read in the same query: every signed-in page asks for them
        (the layout, the rules), and a second query for them was a
        measurable share of a page (docs/performance.md, issue 17)."""
        city = current_city_or_none()
        users = get_user_model()._default_manager.all()
        if city is not None:
            from civicideas.tenancy.models import Membership

            # Row-level security and the scoped manager keep it to this city.
            roles = Membership.objects.filter(user=OuterRef("pk")).values("roles")[:1]
            users = users.annotate(roles_here=Subquery(roles))
        user = users.filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        if city is not None:
            remember_roles(user, city.pk, getattr(user, "roles_here", None))
        return user
