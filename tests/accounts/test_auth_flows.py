"""allauth flows on a city's host: email login, sign-up with verification,
password reset, enumeration prevention, rate limits, one account for every
city, and sessions that stay on the host they were made on."""

from __future__ import annotations

import importlib
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.cache import cache
from django.test import Client

from civicideas.tenancy.roles import Role
from tests.conftest import client_for, host_of, make_member
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-42"
URL_RE = re.compile(r"https?://[^\s]+")


def links_in(message) -> list[str]:
    return URL_RE.findall(message.body)


def only_link(message) -> str:
    links = links_in(message)
    assert len(links) == 1, links
    return links[0]


def login(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def is_logged_in(client: Client, host: str | None = None) -> bool:
    """Whether the client's session is authenticated on ``host`` (as seen by
    the server, through the real middleware stack)."""
    kwargs = {"HTTP_HOST": host} if host else {}
    response = client.get("/accounts/email/", **kwargs)
    return response.status_code == 200


# --- settings -------------------------------------------------------------


def test_base_settings_require_verification_and_dev_relaxes_it(settings, monkeypatch):
    monkeypatch.delenv("ACCOUNT_EMAIL_VERIFICATION", raising=False)
    # The allauth settings live in settings/auth.py, which base gathers.
    auth = importlib.reload(importlib.import_module("civicideas.settings.auth"))
    base = importlib.reload(importlib.import_module("civicideas.settings.base"))
    dev = importlib.reload(importlib.import_module("civicideas.settings.dev"))
    assert auth.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    assert base.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    assert dev.ACCOUNT_EMAIL_VERIFICATION == "optional"
    # What the test run (and so every test below) uses:
    assert settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    assert settings.ACCOUNT_PREVENT_ENUMERATION is True
    assert set(settings.ACCOUNT_LOGIN_METHODS) == {"email"}
    assert settings.ACCOUNT_USER_MODEL_USERNAME_FIELD is None
    assert settings.SESSION_COOKIE_DOMAIN is None
    assert settings.CSRF_COOKIE_DOMAIN is None
    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]


# --- login ----------------------------------------------------------------


def test_login_with_email_and_password(city, city_client):
    user = UserFactory(email="ada@example.org")
    response = login(city_client, "ADA@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert city_client.session[SESSION_KEY] == str(user.pk)


def test_login_form_has_no_username_field(city_client):
    body = city_client.get("/accounts/login/").content.decode()
    assert 'name="login"' in body
    assert 'type="email"' in body
    assert 'name="username"' not in body


def test_wrong_password_is_refused_without_saying_whether_the_account_exists(city_client):
    UserFactory(email="ada@example.org")
    known = login(city_client, "ada@example.org", "wrong-password-1")
    unknown = login(city_client, "nobody@example.org", "wrong-password-1")
    assert known.status_code == unknown.status_code == 200
    assert SESSION_KEY not in city_client.session
    message = "The email address and/or password you specified are not correct."
    assert message in known.content.decode()
    assert message in unknown.content.decode()


def test_one_account_logs_in_on_every_city(city, other_city):
    UserFactory(email="ada@example.org")
    for each in (city, other_city):
        client = Client(HTTP_HOST=host_of(each))
        assert login(client, "ada@example.org").status_code == 302
        assert is_logged_in(client)


def test_repeated_failed_logins_are_rate_limited_in_redis(city, city_client):
    UserFactory(email="ada@example.org")
    for _ in range(5):
        response = login(city_client, "ada@example.org", "wrong-password-1")
        assert "Too many failed login attempts" not in response.content.decode()
    # The right password no longer helps: the account is locked for a while,
    # said with 429 and Retry-After (issue 21 §3; it was a 200 form error).
    response = login(city_client, "ada@example.org")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Too many failed login attempts" in response.content.decode()
    assert SESSION_KEY not in city_client.session
    # The counters live in the Redis cache (shared by all web processes).
    redis = cache._cache.get_client()
    assert redis.keys("*guesses:account:*")


def test_failed_login_limit_is_per_account_not_per_host(city, other_city):
    """Five wrong passwords on riverton lock the account on lakeside too:
    a per-host counter would multiply the guesses by the number of hosts."""
    UserFactory(email="ada@example.org")
    riverton = Client(HTTP_HOST=host_of(city))
    for _ in range(5):
        login(riverton, "ada@example.org", "wrong-password-1")
    lakeside = Client(HTTP_HOST=host_of(other_city), HTTP_ACCEPT_LANGUAGE="en")
    response = login(lakeside, "ada@example.org")
    assert "Too many failed login attempts" in response.content.decode()
    assert SESSION_KEY not in lakeside.session


def test_login_attempts_per_ip_answer_429(city, city_client):
    for _ in range(30):
        login(city_client, "nobody@example.org", "wrong-password-1")
    response = login(city_client, "nobody@example.org", "wrong-password-1")
    assert response.status_code == 429


# --- sign-up and verification --------------------------------------------


def signup(client: Client, email: str):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, "accept_privacy": "on"},
    )


def test_signup_sends_verification_on_primary_domain_and_the_link_works(city, city_client):
    response = signup(city_client, "new@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = get_user_model().objects.get(email="new@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert SESSION_KEY not in city_client.session  # mandatory: not logged in yet

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    link = only_link(message)
    assert link.startswith("http://riverton.localhost/accounts/confirm-email/")
    assert "Riverton" in message.body  # the site named in the mail is the city

    path = urlsplit(link).path
    browser = Client(HTTP_HOST=urlsplit(link).netloc)
    assert browser.get(path).status_code == 200
    assert browser.post(path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified


def test_unverified_account_cannot_log_in_and_gets_a_new_link(city, city_client):
    UserFactory(email="new@example.org", verified=False)
    response = login(city_client, "new@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert SESSION_KEY not in city_client.session
    assert len(mail.outbox) == 1
    assert only_link(mail.outbox[0]).startswith("http://riverton.localhost/accounts/confirm-email/")


def test_signup_with_a_taken_email_looks_the_same_and_mails_the_owner(city):
    UserFactory(email="ada@example.org")
    taken = signup(Client(HTTP_HOST=host_of(city)), "ada@example.org")
    fresh = signup(Client(HTTP_HOST=host_of(city)), "fresh@example.org")
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"] == "/accounts/confirm-email/"
    to_owner = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert len(to_owner) == 1
    assert all(link.startswith("http://riverton.localhost/") for link in links_in(to_owner[0]))
    assert get_user_model().objects.filter(email__iexact="ada@example.org").count() == 1


# --- password reset -------------------------------------------------------


def test_password_reset_link_on_primary_domain_sets_a_new_password(city, city_client):
    UserFactory(email="ada@example.org")
    response = city_client.post("/accounts/password/reset/", {"email": "ada@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = only_link(mail.outbox[0])
    assert link.startswith("http://riverton.localhost/accounts/password/reset/key/")

    browser = Client(HTTP_HOST="riverton.localhost")
    response = browser.get(urlsplit(link).path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = browser.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert (
        login(Client(HTTP_HOST="riverton.localhost"), "ada@example.org", NEW_PASSWORD)["Location"]
        == "/"
    )


def test_password_reset_for_unknown_email_looks_the_same(city):
    UserFactory(email="ada@example.org")
    known = Client(HTTP_HOST=host_of(city)).post(
        "/accounts/password/reset/", {"email": "ada@example.org"}
    )
    unknown = Client(HTTP_HOST=host_of(city)).post(
        "/accounts/password/reset/", {"email": "nobody@example.org"}
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The unknown address gets a "no account here" mail, with a sign-up link
    # on the primary domain, and no reset link.
    (to_unknown,) = [m for m in mail.outbox if m.to == ["nobody@example.org"]]
    assert only_link(to_unknown) == "http://riverton.localhost/accounts/signup/"


# --- sessions -------------------------------------------------------------


def test_session_cookie_is_host_only(city, city_client):
    UserFactory(email="ada@example.org")
    response = login(city_client, "ada@example.org")
    cookie = response.cookies["sessionid"]
    assert cookie["domain"] == ""
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_session_from_riverton_is_not_logged_in_on_lakeside(city, other_city):
    """Even when the cookie is replayed to another city's host (the test
    client sends it to any host, unlike a browser)."""
    user = UserFactory(email="ada@example.org")
    client = Client(HTTP_HOST=host_of(city))
    login(client, "ada@example.org")
    assert is_logged_in(client)
    riverton_key = client.cookies["sessionid"].value
    for host in (host_of(other_city), "localhost"):
        client.cookies["sessionid"] = riverton_key
        assert not is_logged_in(client, host)
    # The riverton session itself is untouched by the attempts.
    assert SessionStore(riverton_key).get(SESSION_KEY) == str(user.pk)
    client.cookies["sessionid"] = riverton_key
    assert is_logged_in(client)


def test_force_login_session_binds_to_the_first_host(city, other_city):
    user = make_member(city, Role.CITIZEN, email="ada@example.org")
    client = client_for(user, city)
    assert is_logged_in(client)
    assert not is_logged_in(client, host_of(other_city))


def test_logging_in_on_a_second_city_needs_its_own_login(city, other_city):
    UserFactory(email="ada@example.org")
    riverton = Client(HTTP_HOST=host_of(city))
    login(riverton, "ada@example.org")
    lakeside = Client(HTTP_HOST=host_of(other_city))
    assert not is_logged_in(lakeside)
    login(lakeside, "ada@example.org")
    assert is_logged_in(lakeside)
    assert is_logged_in(riverton)
