"""Role predicates and per-city model permissions, walked over every role and
a user of another city (STYLE: every role, and another city)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.permissions import (
    is_city_admin,
    is_city_evaluator,
    is_city_moderator,
    is_city_staff,
    permissions_for_roles,
)
from civicideas.tenancy.roles import Role
from tests.conftest import make_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(city, other_city):
    return {
        "anonymous": AnonymousUser(),
        "citizen": make_member(city, Role.CITIZEN),
        "moderator": make_member(city, Role.MODERATOR),
        "evaluator": make_member(city, Role.EVALUATOR),
        "city_admin": make_member(city, Role.CITY_ADMIN),
        "superuser": UserFactory(is_superuser=True),
        "other_city_admin": make_member(other_city, Role.CITY_ADMIN),
    }


# role: (is_city_staff, is_city_admin, is_city_moderator, is_city_evaluator,
#        has_perm tenancy.change_membership) -- in riverton
EXPECTED = {
    "anonymous": (False, False, False, False, False),
    "citizen": (False, False, False, False, False),
    "moderator": (True, False, True, False, False),
    "evaluator": (True, False, False, True, False),
    "city_admin": (True, True, True, True, True),
    "superuser": (True, True, True, True, True),
    "other_city_admin": (False, False, False, False, False),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_predicates_and_permissions_in_riverton(people, city, role):
    user = people[role]
    with city_context(city):
        got = (
            is_city_staff(user),
            is_city_admin(user),
            is_city_moderator(user),
            is_city_evaluator(user),
            user.has_perm("tenancy.change_membership"),
        )
        assert got == EXPECTED[role]
        assert getattr(user, "is_staff", False) == EXPECTED[role][0]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_riverton_roles_count_for_nothing_in_lakeside(people, other_city, role):
    user = people[role]
    expected_in_lakeside = role in {"superuser", "other_city_admin"}
    with city_context(other_city):
        assert is_city_staff(user) == expected_in_lakeside
        assert is_city_admin(user) == expected_in_lakeside
        assert user.has_perm("tenancy.change_membership") == expected_in_lakeside


@pytest.mark.parametrize("role", list(EXPECTED))
def test_only_superusers_hold_anything_on_the_platform(people, role):
    """No city is current on the platform host (nor in all_cities_context)."""
    user = people[role]
    expected = role == "superuser"
    assert is_city_staff(user) == expected
    assert user.has_perm("tenancy.change_membership") == expected
    with all_cities_context():
        assert is_city_admin(user) == expected
        assert user.has_perm("tenancy.change_membership") == expected


def test_one_user_object_answers_for_whichever_city_is_current(city, other_city):
    """The per-request memo of roles is per city: a task looping over cities
    with the same user object must not carry riverton's roles to lakeside."""
    user = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        assert user.has_perm("tenancy.change_membership")
    with city_context(other_city):
        assert not user.has_perm("tenancy.change_membership")
        assert not user.is_staff
    with city_context(city):
        assert user.is_staff


def test_inactive_users_hold_nothing(city):
    admin = make_member(city, Role.CITY_ADMIN)
    root = UserFactory(is_superuser=True)
    admin.is_active = root.is_active = False
    with city_context(city):
        for user in (admin, root):
            assert not is_city_staff(user)
            assert not is_city_admin(user)
            assert not user.has_perm("tenancy.change_membership")


def test_global_groups_and_user_permissions_are_ignored(city, other_city):
    """A Django group or user permission would hold in every city; only city
    roles grant permissions."""
    citizen = make_member(city, Role.CITIZEN)
    change = Permission.objects.get(codename="change_membership")
    group = Group.objects.create(name="everywhere")
    group.permissions.add(change)
    citizen.groups.add(group)
    citizen.user_permissions.add(change)
    with city_context(city):
        assert not citizen.has_perm("tenancy.change_membership")
        assert not citizen.has_module_perms("tenancy")


@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (
            Role.MODERATOR,
            {"tenancy.view_membership", "accounts.view_profile", "accounts.change_profile"},
            {"tenancy.change_membership", "tenancy.change_city", "tenancy.view_domain"},
        ),
        (
            Role.EVALUATOR,
            set(),
            {"tenancy.view_membership", "accounts.view_profile", "tenancy.change_city"},
        ),
        (
            Role.CITY_ADMIN,
            {
                "tenancy.view_city",
                "tenancy.change_city",
                "tenancy.view_domain",
                "tenancy.add_membership",
                "tenancy.change_membership",
                "tenancy.delete_membership",
                "accounts.change_profile",
            },
            {
                "tenancy.add_city",
                "tenancy.delete_city",
                "tenancy.add_domain",
                "tenancy.change_domain",
                "accounts.add_profile",
                "accounts.view_user",
                "accounts.change_user",
            },
        ),
        (Role.CITIZEN, set(), {"tenancy.view_membership", "accounts.view_profile"}),
    ],
)
def test_role_permission_map(role, granted, refused):
    perms = permissions_for_roles([role])
    assert granted <= perms
    assert not (refused & perms)


def test_every_registered_permission_exists():
    """A typo in register_role_permissions would silently grant nothing."""
    everything = permissions_for_roles(Role.values)
    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert everything - existing == set()
