"""``signed_in``: the one definition every app's rules use."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicideas.accounts.rules import signed_in
from tests.factories import UserFactory


@pytest.mark.django_db
def test_an_active_account_is_signed_in():
    assert signed_in(UserFactory())


@pytest.mark.django_db
def test_a_deactivated_account_is_not_signed_in():
    assert not signed_in(UserFactory(is_active=False))


@pytest.mark.parametrize("user", [None, AnonymousUser(), object(), "admin"])
def test_no_user_an_anonymous_visitor_or_a_stray_value_is_not_signed_in(user):
    assert not signed_in(user)
