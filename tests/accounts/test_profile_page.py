"""The profile page: display name, message language, and API tokens that
can be revoked from the browser (issue 7)."""

import pytest
from django.test import Client
from django.urls import reverse

from civicideas.accounts.models import Profile
from civicideas.api.tokens import token_find, token_issue
from civicideas.apitokens.models import ApiToken
from civicideas.tenancy import city_context
from tests.conftest import client_for, host_of, make_member

pytestmark = pytest.mark.django_db

URL = "/me/profile/"


def test_anonymous_is_sent_to_login(city):
    response = Client(HTTP_HOST=host_of(city)).get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_update_display_name_and_language(city):
    user = make_member(city)
    client = client_for(user, city)
    response = client.post(URL, {"display_name": "  Ada   L. ", "preferred_language": "fr"})
    assert response.status_code == 302
    with city_context(city):
        profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.preferred_language) == ("Ada L.", "fr")


def test_language_the_city_does_not_offer_is_refused(other_city):
    user = make_member(other_city)  # lakeside offers fr and en
    response = client_for(user, other_city).post(
        URL, {"display_name": "Ada", "preferred_language": "nl"}
    )
    assert response.status_code == 400
    with city_context(other_city):
        assert Profile.objects.get(user=user).preferred_language != "nl"


def test_tokens_are_listed_and_revoked_from_the_page(city):
    user = make_member(city)
    with city_context(city):
        token, raw = token_issue(user=user)
    client = client_for(user, city)
    page = client.get(URL).content.decode()
    assert token.key_prefix in page
    assert raw not in page  # the secret is never shown again
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    with city_context(city):
        assert token_find(raw) is None


def test_another_persons_or_citys_token_is_404(city, other_city):
    owner, intruder = make_member(city), make_member(city)
    with city_context(city):
        token, _raw = token_issue(user=owner)
    response = client_for(intruder, city).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    lakeside_user = make_member(other_city)
    with city_context(other_city):
        foreign, _raw = token_issue(user=lakeside_user)
    # The owner of a lakeside token, on riverton's host, cannot reach it either.
    lakeside_on_riverton = client_for(lakeside_user, city)
    response = lakeside_on_riverton.post(reverse("accounts:token_revoke", args=[foreign.pk]))
    assert response.status_code == 404
    with city_context(city):
        assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    with city_context(other_city):
        assert ApiToken.objects.get(pk=foreign.pk).revoked_at is None
