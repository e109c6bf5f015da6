"""``has_verified_email``: the one rule the submit page, ``idea_submit`` and
the API's token endpoint share."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser

from civicideas.accounts.rules import has_verified_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_confirmed_address_counts():
    assert has_verified_email(UserFactory())


def test_an_unconfirmed_address_does_not_count():
    assert not has_verified_email(UserFactory(verified=False))


def test_only_the_persons_own_addresses_count():
    person, other = UserFactory(verified=False), UserFactory()
    EmailAddress.objects.create(user=person, email="second@example.org", verified=False)
    assert has_verified_email(other)
    assert not has_verified_email(person)


def test_a_second_confirmed_address_counts():
    person = UserFactory(verified=False)
    EmailAddress.objects.create(user=person, email="second@example.org", verified=True)
    assert has_verified_email(person)


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_nobody_signed_in_has_no_verified_address(user):
    assert not has_verified_email(user)


def test_a_deactivated_account_does_not_count():
    assert not has_verified_email(UserFactory(is_active=False))
