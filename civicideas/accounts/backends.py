from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.db.models import Model

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
        measurable share of a page (docs/performance.md, issue 17).

        One fixed statement, not a queryset: building and compiling the
        ORM's query (an annotation and a subquery) cost more CPU than the
        rest of the request's machinery together. The membership row is
        read under the city's row-level security and filtered by city
        explicitly, as the scoped manager did."""
        city = current_city_or_none()
        model = get_user_model()
        alias = model._default_manager.db
        fields = model._meta.concrete_fields
        with connections[alias].cursor() as cursor:
            if city is None:
                cursor.execute(_user_sql(model), [user_id])
            else:
                cursor.execute(_user_with_roles_sql(model), [city.pk, user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(alias, [field.attname for field in fields], row[: len(fields)])
        if not self.user_can_authenticate(user):
            return None
        if city is not None:
            remember_roles(user, city.pk, row[len(fields)])
        return user


def _quoted(column: str | None) -> str:
    if column is None:  # never for a concrete field
        raise ImproperlyConfigured("a field without a column")
    return connection.ops.quote_name(column)


def _columns(model: type[Model]) -> str:
    return ", ".join(f"u.{_quoted(field.column)}" for field in model._meta.concrete_fields)


@cache
def _user_sql(model: type[Model]) -> str:
    table = _quoted(model._meta.db_table)
    pk = _quoted(model._meta.pk.column)
    return f"SELECT {_columns(model)} FROM {table} u WHERE u.{pk} = %s"  # noqa: S608 - model names


@cache
def _user_with_roles_sql(model: type[Model]) -> str:
    from civicideas.tenancy.models import Membership

    def column(name: str) -> str:
        return _quoted(Membership._meta.get_field(name).column)  # type: ignore[union-attr]

    pk = _quoted(model._meta.pk.column)
    roles = (
        f"(SELECT m.{column('roles')} FROM {_quoted(Membership._meta.db_table)} m "  # noqa: S608 - model names
        f"WHERE m.{column('user')} = u.{pk} AND m.{column('city')} = %s LIMIT 1)"
    )
    table = _quoted(model._meta.db_table)
    return f"SELECT {_columns(model)}, {roles} FROM {table} u WHERE u.{pk} = %s"  # noqa: S608
