"""profile_ensure: a per-city profile and citizen membership, created on first
participation in the current city only."""

from __future__ import annotations

import pytest

from civicideas.accounts.models import Profile
from civicideas.accounts.services import profile_ensure
from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.context import NoCurrentCity
from civicideas.tenancy.models import Membership
from civicideas.tenancy.permissions import is_city_staff
from civicideas.tenancy.roles import Role
from tests.conftest import make_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rows_by_city(model) -> dict[str, list]:
    with all_cities_context():
        return {
            slug: sorted(
                model.objects.filter(city__slug=slug).values_list("user__email", flat=True)
            )
            for slug in ("riverton", "lakeside")
        }


def test_creates_profile_and_citizen_membership_in_current_city_only(city, other_city):
    user = UserFactory(email="jane.doe@example.org")
    with city_context(city):
        profile = profile_ensure(user=user)
        assert profile.city == city
        assert profile.user == user
        assert profile.preferred_language == city.default_language
        assert Membership.objects.get(user=user).roles == [Role.CITIZEN]
    assert rows_by_city(Profile) == {"riverton": ["jane.doe@example.org"], "lakeside": []}
    assert rows_by_city(Membership) == {"riverton": ["jane.doe@example.org"], "lakeside": []}


def test_profile_in_second_city_uses_its_language(city, other_city):
    user = UserFactory()
    with city_context(city):
        profile_ensure(user=user)
    with city_context(other_city):
        profile = profile_ensure(user=user)
    assert profile.preferred_language == "fr"
    assert rows_by_city(Profile) == {"riverton": [user.email], "lakeside": [user.email]}


def test_is_idempotent(city):
    user = UserFactory()
    with city_context(city):
        first = profile_ensure(user=user)
        first.display_name = "Jane"
        first.save()
        second = profile_ensure(user=user)
        assert second.pk == first.pk
        assert second.display_name == "Jane"  # an existing profile is not reset
        assert Profile.objects.filter(user=user).count() == 1
        assert Membership.objects.get(user=user).roles == [Role.CITIZEN]


def test_keeps_staff_roles_and_adds_citizen(city):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        profile_ensure(user=moderator)
        profile_ensure(user=moderator)
        assert sorted(Membership.objects.get(user=moderator).roles) == ["citizen", "moderator"]
        assert is_city_staff(moderator)


def test_forgets_memoised_roles(city):
    """A role check after profile_ensure on the same user object sees the new
    membership, not a memo from before it existed."""
    user = UserFactory()
    with city_context(city):
        from civicideas.tenancy.permissions import roles_in_current_city

        assert roles_in_current_city(user) == frozenset()
        profile_ensure(user=user)
        assert roles_in_current_city(user) == {Role.CITIZEN}


def test_display_name_does_not_reveal_the_email_address(city):
    user = UserFactory(email="jane.doe@example.org")
    with city_context(city):
        profile = profile_ensure(user=user)
    assert "jane" not in profile.display_name.lower()
    assert profile.display_name


def test_needs_a_current_city():
    with pytest.raises(NoCurrentCity):
        profile_ensure(user=UserFactory())
