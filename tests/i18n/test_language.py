"""Each city offers its own languages; the visitor's choice counts only
among them (``CityLanguageMiddleware``, ``tenancy.languages``)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from tests.conftest import host_of
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_lakeside_ignores_a_language_it_does_not_offer(other_city):
    response = Client(HTTP_HOST=host_of(other_city), HTTP_ACCEPT_LANGUAGE="nl").get("/")
    assert _lang(response) == "fr"
    assert response.headers["Content-Language"] == "fr"
    assert "Idées pour Lakeside" in response.content.decode()


def test_lakeside_follows_the_language_cookie(other_city):
    client = Client(HTTP_HOST=host_of(other_city), HTTP_ACCEPT_LANGUAGE="nl")
    client.cookies["django_language"] = "en"
    response = client.get("/")
    assert _lang(response) == "en"
    assert "Ideas for Lakeside" in response.content.decode()


def test_cookie_for_a_language_the_city_does_not_offer_is_ignored(other_city):
    client = Client(HTTP_HOST=host_of(other_city), HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "nl"
    assert _lang(client.get("/")) == "en"


def test_riverton_offers_dutch(city):
    response = Client(HTTP_HOST=host_of(city), HTTP_ACCEPT_LANGUAGE="nl").get("/")
    assert _lang(response) == "nl"
    assert "Ideeën voor Riverton" in response.content.decode()


def test_first_offered_language_of_the_accept_language_list_wins(other_city):
    client = Client(HTTP_HOST=host_of(other_city), HTTP_ACCEPT_LANGUAGE="nl-BE, en;q=0.8, fr;q=0.5")
    assert _lang(client.get("/")) == "en"


def test_regional_variant_maps_to_the_base_language(city):
    client = Client(HTTP_HOST=host_of(city), HTTP_ACCEPT_LANGUAGE="fr-BE")
    assert _lang(client.get("/")) == "fr"


def test_no_preference_gets_the_city_default(other_city):
    assert _lang(Client(HTTP_HOST=host_of(other_city)).get("/")) == "fr"


def test_platform_offers_every_language(db):
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="nl")
    assert _lang(client.get("/")) == "nl"
    assert _lang(Client(HTTP_HOST="localhost").get("/")) == "en"


def test_switcher_sets_the_cookie_and_the_next_page_follows_it(other_city):
    client = Client(HTTP_HOST=host_of(other_city))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accessibility/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accessibility/"
    assert client.cookies["django_language"].value == "en"
    assert _lang(client.get("/accessibility/")) == "en"


def test_switcher_next_cannot_leave_the_host(other_city):
    client = Client(HTTP_HOST=host_of(other_city))
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "http://riverton.localhost/"}
    )
    assert response.headers["Location"] == "/"


def test_language_does_not_leak_into_the_next_request(other_city, city):
    Client(HTTP_HOST=host_of(other_city)).get("/")
    assert translation.get_language() == "en"
    CityFactory(slug="dutchtown", languages=["nl", "en"], default_language="nl")
    assert _lang(Client(HTTP_HOST="dutchtown.localhost").get("/")) == "nl"
    assert _lang(Client(HTTP_HOST=host_of(city)).get("/")) == "en"


def test_responses_vary_on_language_inputs(city):
    response = Client(HTTP_HOST=host_of(city)).get("/")
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary
