"""The two layers of tenant isolation: the scoped ORM manager and
PostgreSQL row-level security, tested separately so neither hides the other."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.utils import ProgrammingError
from django_scopes.exceptions import ScopeError

from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.context import NoCurrentCity, current_city
from civicideas.tenancy.models import Domain, Membership, TenantModel
from civicideas.tenancy.roles import Role
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities(city, other_city):
    make_member(city, Role.MODERATOR, email="a@riverton.example")
    make_member(other_city, Role.MODERATOR, email="b@lakeside.example")
    return city, other_city


def test_scoped_manager_without_city_raises_instead_of_returning_every_city(two_cities):
    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with pytest.raises(ScopeError):
        Membership.objects.filter(roles__contains=["moderator"]).count()


def test_current_city_outside_a_context_raises():
    with pytest.raises(NoCurrentCity):
        current_city()


def test_scoped_manager_returns_only_the_current_city(two_cities):
    riverton, lakeside = two_cities
    with city_context(riverton):
        emails = list(Membership.objects.values_list("user__email", flat=True))
    assert emails == ["a@riverton.example"]
    with city_context(lakeside):
        assert Membership.objects.get().user.email == "b@lakeside.example"


def test_scoped_manager_cannot_fetch_other_city_row_by_id(two_cities):
    riverton, lakeside = two_cities
    with city_context(lakeside):
        lakeside_id = Membership.objects.get().pk
    with city_context(riverton), pytest.raises(Membership.DoesNotExist):
        Membership.objects.get(pk=lakeside_id)


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def test_raw_select_in_city_a_cannot_see_city_b(two_cities):
    riverton, _lakeside = two_cities
    with city_context(riverton):
        rows = _raw("SELECT city_id FROM tenancy_membership")
    assert rows == [(riverton.pk,)]


def test_raw_update_and_delete_in_city_a_cannot_touch_city_b(two_cities):
    riverton, lakeside = two_cities
    with city_context(riverton):
        updated = _raw(
            "UPDATE tenancy_membership SET roles = ARRAY['city_admin'] WHERE city_id = %s",
            [lakeside.pk],
        )
        deleted = _raw("DELETE FROM tenancy_membership WHERE city_id = %s", [lakeside.pk])
    assert (updated, deleted) == (0, 0)
    with city_context(lakeside):
        assert Membership.objects.get().roles == ["moderator"]


def test_raw_insert_into_another_city_is_refused(two_cities):
    riverton, lakeside = two_cities
    user_id = _raw("SELECT id FROM accounts_user WHERE email = 'a@riverton.example'")[0][0]
    with pytest.raises(ProgrammingError, match="row-level security"), city_context(riverton):
        _raw(
            "INSERT INTO tenancy_membership (city_id, user_id, roles, created_at) "
            "VALUES (%s, %s, ARRAY['city_admin'], now())",
            [lakeside.pk, user_id],
        )


def test_raw_select_with_no_city_sees_nothing(two_cities):
    # Outside city_context no RLS setting is in force: nothing is visible.
    assert _raw("SELECT count(*) FROM tenancy_membership") == [(0,)]


def test_all_cities_context_is_explicit_cross_city_access(two_cities):
    with all_cities_context():
        assert Membership.objects.count() == 2
        assert _raw("SELECT count(*) FROM tenancy_membership") == [(2,)]


def test_nested_contexts_restore_the_outer_city(two_cities):
    riverton, lakeside = two_cities
    with city_context(riverton):
        with city_context(lakeside):
            assert _raw("SELECT city_id FROM tenancy_membership") == [(lakeside.pk,)]
        assert _raw("SELECT city_id FROM tenancy_membership") == [(riverton.pk,)]
        assert current_city() == riverton


def test_application_role_is_bound_by_row_level_security():
    (superuser, bypass), *_ = _raw(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert (superuser, bypass) == (False, False)


def _tenant_models():
    # Auto-created many-to-many tables included; one between tenant models
    # has no city at all and is caught by tests/tenancy/test_city_links.py.
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if any(field.name == "city" for field in model._meta.concrete_fields)
    ]


def test_every_model_with_a_city_column_has_a_forced_policy():
    """Meta-test: a new tenant model without EnableCityRLS in its migration fails here."""
    missing = []
    for model in _tenant_models():
        table = model._meta.db_table
        (enabled, forced), *_ = _raw(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
            [table],
        )
        policies = _raw("SELECT policyname FROM pg_policies WHERE tablename = %s", [table])
        if not (enabled and forced and ("city_isolation",) in policies):
            missing.append(table)
    assert missing == []
    assert Domain in _tenant_models()


def test_every_model_with_a_city_column_is_a_scoped_tenant_model():
    """A custom manager must keep the scope (ScopedManager(_manager_class=...)):
    outside a city its queries raise instead of returning every city's rows."""
    for model in _tenant_models():
        assert issubclass(model, TenantModel), model
        assert model._meta.base_manager_name == "objects", model
        with pytest.raises(ScopeError):
            list(model._default_manager.all())
        with pytest.raises(ScopeError):
            list(model._base_manager.all())


def test_role_change_is_seen_by_a_later_check_in_the_same_request(city):
    from civicideas.tenancy.permissions import is_city_moderator
    from civicideas.tenancy.services import membership_set_roles

    user = make_member(city, Role.CITIZEN)
    with city_context(city):
        assert not is_city_moderator(user)
        membership_set_roles(user=user, roles=[Role.MODERATOR], changed_by=user)
        assert is_city_moderator(user)
