"""API tokens end with the credentials behind them: a password change or
reset, a deactivation or a deletion revokes the account's tokens in every
city (issue 21 §3). Each event through the way people really cause it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from civicideas.accounts.services import user_delete, user_set_active
from civicideas.apitokens.models import ApiToken
from civicideas.tenancy import all_cities_context
from civicideas.tenancy.roles import Role
from tests.api.conftest import ApiClient, token_for
from tests.conftest import client_for, host_of, make_member
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-42"
PROBE = "/api/v1/challenges/"


@pytest.fixture
def ada(city, other_city):
    user = make_member(city, Role.CITIZEN, email="ada@example.org")
    make_member(other_city, Role.CITIZEN, email="ada@example.org")
    return user


@pytest.fixture
def tokens(ada, city, other_city):
    """A token of Ada's in each city, both working."""
    issued = {city: token_for(ada, city), other_city: token_for(ada, other_city)}
    for each, raw in issued.items():
        assert ApiClient(each, raw).get(PROBE).status_code == 200
    return issued


def assert_all_revoked(tokens, user) -> None:
    for each, raw in tokens.items():
        assert ApiClient(each, raw).get(PROBE).status_code == 401
    with all_cities_context():
        rows = list(ApiToken.objects.filter(user_id=user.pk))
    assert all(row.revoked_at is not None for row in rows)


def test_changing_the_password_revokes_every_token(city, ada, tokens):
    client = client_for(ada, city)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert_all_revoked(tokens, ada)
    # The person stays signed in on this browser (ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE).
    assert client.get("/accounts/email/").status_code == 200


def test_a_refused_password_change_revokes_nothing(city, ada, tokens):
    client_for(ada, city).post(
        "/accounts/password/change/",
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    for each, raw in tokens.items():
        assert ApiClient(each, raw).get(PROBE).status_code == 200


def test_resetting_the_password_revokes_every_token(city, ada, tokens):
    browser = Client(HTTP_HOST=host_of(city))
    browser.post("/accounts/password/reset/", {"email": ada.email})
    (message,) = mail.outbox
    link = next(word for word in message.body.split() if "/password/reset/key/" in word)
    form = browser.get(urlsplit(link).path, follow=True).redirect_chain[-1][0]
    response = browser.post(form, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert_all_revoked(tokens, ada)


def platform_admin() -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(UserFactory(email="root@platform.example", is_superuser=True))
    return client


def test_deactivating_in_the_platform_admin_revokes_every_token(ada, tokens):
    admin = platform_admin()
    response = admin.post(
        f"/admin/accounts/user/{ada.pk}/change/", {"email": ada.email}
    )  # "is_active" unticked
    assert response.status_code == 302, response.content
    ada.refresh_from_db()
    assert ada.is_active is False
    assert_all_revoked(tokens, ada)
    # Reactivating the account does not bring the old tokens back.
    admin.post(f"/admin/accounts/user/{ada.pk}/change/", {"email": ada.email, "is_active": "on"})
    ada.refresh_from_db()
    assert ada.is_active is True
    assert_all_revoked(tokens, ada)


def test_deleting_in_the_platform_admin_removes_every_token(ada, tokens):
    response = platform_admin().post(f"/admin/accounts/user/{ada.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    assert not get_user_model().objects.filter(pk=ada.pk).exists()
    for each, raw in tokens.items():
        assert ApiClient(each, raw).get(PROBE).status_code == 401
    with all_cities_context():
        assert not ApiToken.objects.filter(user_id=ada.pk).exists()


def test_bulk_delete_in_the_platform_admin_goes_through_the_service(ada, tokens):
    response = platform_admin().post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [ada.pk], "post": "yes"},
    )
    assert response.status_code == 302, response.content
    with all_cities_context():
        assert not ApiToken.objects.filter(user_id=ada.pk).exists()
    assert not get_user_model().objects.filter(pk=ada.pk).exists()


def test_services_outside_any_city(ada, tokens):
    """Commands and tasks call the services without a current city."""
    user_set_active(user=ada, active=False)
    assert_all_revoked(tokens, ada)
    user_delete(user=ada)
    assert not get_user_model().objects.filter(pk=ada.pk).exists()


def test_other_peoples_tokens_are_untouched(city, ada, tokens):
    bob = make_member(city, Role.CITIZEN, email="bob@example.org")
    bobs = token_for(bob, city)
    user_set_active(user=ada, active=False)
    assert ApiClient(city, bobs).get(PROBE).status_code == 200
