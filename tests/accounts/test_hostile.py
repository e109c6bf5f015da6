"""Hostile input on the account pages: forged Host headers on password reset
and sign-up, and open redirects through ``next=``."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from civicideas.tenancy import city_context
from civicideas.tenancy.models import Domain
from tests.conftest import host_of
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL_RE = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture
def ada(db):
    return UserFactory(email="ada@example.org")


@pytest.fixture
def riverton_alias(city):
    """A second, non-primary host name of riverton."""
    with city_context(city):
        Domain.objects.create(city=city, hostname="ideas.riverton.example", is_primary=False)
    return "ideas.riverton.example"


def request_reset(host: str, email: str = "ada@example.org", **headers):
    return Client(HTTP_HOST=host, **headers).post("/accounts/password/reset/", {"email": email})


def mail_hosts() -> set[str]:
    """Every host name any link or bare domain in the sent mail points to."""
    hosts = set()
    for message in mail.outbox:
        bodies = [
            message.body,
            *(content for content, _type in getattr(message, "alternatives", [])),
        ]
        for body in bodies:
            hosts |= {re.sub(r"^https?://([^/:]+).*$", r"\1", url) for url in URL_RE.findall(body)}
    return hosts


def reset_link() -> str:
    (message,) = mail.outbox
    (link,) = [url for url in URL_RE.findall(message.body) if "/password/reset/key/" in url]
    return link


# --- password reset and the Host header -----------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "riverton.localhost.evil.example",
        "evil.example:80",
        "riverton.localhost@evil.example",
    ],
)
def test_reset_with_unknown_or_forged_host_sends_no_mail(city, ada, host):
    response = request_reset(host)
    assert response.status_code in {400, 404}
    assert mail.outbox == []


def test_reset_on_primary_domain_links_to_primary_domain(city, ada):
    assert request_reset(host_of(city)).status_code == 302
    assert reset_link().startswith("http://riverton.localhost/accounts/password/reset/key/")
    assert mail_hosts() == {"riverton.localhost"}


def test_reset_on_secondary_domain_links_to_primary_domain(city, ada, riverton_alias):
    assert request_reset(riverton_alias).status_code == 302
    assert reset_link().startswith("http://riverton.localhost/accounts/password/reset/key/")
    assert riverton_alias not in mail.outbox[0].body
    assert mail_hosts() == {"riverton.localhost"}


def test_reset_on_another_city_links_to_that_city(city, other_city, ada):
    """Accounts are global: asking on lakeside is legitimate, and the link
    goes to lakeside's primary domain (never riverton's, never the header's)."""
    assert request_reset(host_of(other_city)).status_code == 302
    assert reset_link().startswith("http://lakeside.localhost/accounts/password/reset/key/")
    assert mail_hosts() == {"lakeside.localhost"}


@pytest.mark.parametrize(
    ("host", "headers"),
    [
        ("RIVERTON.LOCALHOST", {}),
        ("riverton.localhost.", {}),
        ("riverton.localhost:8000", {}),
        ("riverton.localhost", {"HTTP_X_FORWARDED_HOST": "evil.example"}),
        ("riverton.localhost", {"HTTP_X_FORWARDED_HOST": "lakeside.localhost"}),
    ],
)
def test_reset_with_odd_host_spellings_links_to_primary_domain(
    city, other_city, ada, host, headers
):
    assert request_reset(host, **headers).status_code == 302
    assert reset_link().startswith("http://riverton.localhost/accounts/password/reset/key/")
    assert mail_hosts() == {"riverton.localhost"}


def test_reset_on_platform_host_links_to_platform_host(city, ada):
    assert request_reset("localhost").status_code == 302
    assert reset_link().startswith("http://localhost/accounts/password/reset/key/")


def test_unknown_account_mail_on_secondary_domain_links_to_primary_domain(city, riverton_alias):
    assert request_reset(riverton_alias, email="nobody@example.org").status_code == 302
    assert mail_hosts() == {"riverton.localhost"}


def test_verification_mail_on_secondary_domain_links_to_primary_domain(city, riverton_alias):
    response = Client(HTTP_HOST=riverton_alias).post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_privacy": "on",
        },
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail_hosts() == {"riverton.localhost"}


# --- next= ----------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "http://lakeside.localhost/",
    "https://evil.example",
    "https://riverton.localhost.evil.example/",
    "javascript:alert(1)",
    "///evil.example",
    " //evil.example",
]


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_next_to_another_host_falls_back_to_home(city, other_city, ada, next_url):
    client = Client(HTTP_HOST=host_of(city))
    response = client.post(
        "/accounts/login/", {"login": "ada@example.org", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_next_in_query_string_falls_back_to_home(city, other_city, ada, next_url):
    client = Client(HTTP_HOST=host_of(city))
    response = client.post(
        "/accounts/login/",
        {"login": "ada@example.org", "password": PASSWORD},
        query_params={"next": next_url},
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "next_url", ["/accounts/email/", "http://riverton.localhost/accounts/email/"]
)
def test_login_next_on_the_same_host_is_kept(city, ada, next_url):
    client = Client(HTTP_HOST=host_of(city))
    response = client.post(
        "/accounts/login/", {"login": "ada@example.org", "password": PASSWORD, "next": next_url}
    )
    assert response["Location"] == next_url
