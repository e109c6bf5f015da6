"""The page cache for anonymous visitors (civicideas/web/page_cache.py):
when a page is served from it, when it never is, and that a cached page
holds nothing that belongs to one visitor."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.csp import CSP

from civicideas.tenancy import city_context
from civicideas.web import page_cache
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

STATUS = page_cache.STATUS_HEADER


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    page_cache.reset_backoff()
    yield
    page_cache.reset_backoff()


@pytest.fixture
def idea(city):
    with city_context(city):
        challenge = ChallengeFactory(slug="green", title="A greener Riverton")
        return IdeaFactory(challenge=challenge, title="Plant oaks on Main Street")


def anonymous_pages(idea) -> list[str]:
    return [
        "/",
        "/challenges/green/",
        "/challenges/green/?sort=newest&page=1",
        f"/ideas/{idea.pk}/",
        f"/ideas/{idea.pk}/?similar=1",
        "/challenges/green/similar/?title=oaks",
    ]


def test_second_anonymous_request_is_served_from_the_cache_with_fewer_queries(city, idea):
    for url in anonymous_pages(idea):
        client = Client(HTTP_HOST=host_of(city))
        with CaptureQueriesContext(connection) as cold:
            first = client.get(url)
        assert first.status_code == 200, url
        assert first[STATUS] == "miss", url
        with CaptureQueriesContext(connection) as warm:
            second = client.get(url)
        assert second[STATUS] == "hit", url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"]
        assert len(warm) < len(cold), url
        # Only the request's transaction and its city setting (savepoints
        # and set_config here, inside the test's transaction): no table read.
        assert not [q["sql"] for q in warm.captured_queries if " FROM " in q["sql"]], url


def test_a_cached_page_holds_no_csrf_token_no_nonce_and_sets_no_session(city, idea):
    for url in anonymous_pages(idea):
        client = Client(HTTP_HOST=host_of(city))
        for _attempt in ("miss", "hit"):
            response = client.get(url)
            assert response[STATUS] == _attempt, url
            html = response.content.decode()
            assert "csrfmiddlewaretoken" not in html, url
            assert "nonce=" not in html, url
            assert "sessionid" not in response.cookies, url
            assert "csrftoken" not in response.cookies, url


def test_the_csp_of_a_cached_page_still_refuses_inline_scripts(city, idea):
    client = Client(HTTP_HOST=host_of(city))
    client.get(f"/ideas/{idea.pk}/")
    response = client.get(f"/ideas/{idea.pk}/")
    assert response[STATUS] == "hit"
    policy = response[str(CSP.HEADER_ENFORCE)]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert script_src.split() == ["'self'"]  # no 'unsafe-inline', no nonce to reuse
    assert "'unsafe-inline'" not in policy
    # The layout's own assets are same-origin files the policy allows.
    html = response.content.decode()
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert re.search(r'<link rel="stylesheet" href="/brand\.css\?v=[0-9a-f]+">', html)
    assert "<style" not in html


def test_a_signed_in_user_never_gets_nor_fills_a_cached_page(city, idea):
    member = client_for(make_member(city, email="reader@example.org"), city)
    for url in anonymous_pages(idea):
        assert member.get(url)[STATUS] == "bypass", url
    anonymous = Client(HTTP_HOST=host_of(city))
    for url in anonymous_pages(idea):
        response = anonymous.get(url)
        assert response[STATUS] == "miss", url  # the member's visit stored nothing
        assert "Sign out" not in response.content.decode(), url
    for url in anonymous_pages(idea):
        assert anonymous.get(url)[STATUS] == "hit", url
        response = member.get(url)
        assert response[STATUS] == "bypass", url
        if "similar" not in url:  # whole pages: the member's own header
            assert "Sign out" in response.content.decode(), url


def test_a_pending_message_bypasses_the_cache(city, idea):
    Client(HTTP_HOST=host_of(city)).get("/")  # the home page is cached
    client = client_for(make_member(city), city)
    client.post("/accounts/logout/")  # now anonymous, with a message pending
    shown = client.get("/")
    assert shown[STATUS] == "bypass"
    assert "You have signed out." in shown.content.decode()
    # Once read, the message is gone and the cached page is served again.
    assert client.get("/")[STATUS] == "hit"


def test_another_citys_page_is_never_served_from_this_citys_key(city, other_city):
    with city_context(city):
        ChallengeFactory(slug="green", title="Riverton's greener streets")
    with city_context(other_city):
        ChallengeFactory(slug="green", title="Lakeside's greener shores")
    for host_city, mine, theirs in (
        (city, "Riverton", "Lakeside"),
        (other_city, "Lakeside", "Riverton"),
    ):
        for url in ("/", "/challenges/green/?sort=newest"):
            client = Client(HTTP_HOST=host_of(host_city), HTTP_ACCEPT_LANGUAGE="en")
            for _attempt in ("first", "cached"):
                html = client.get(url).content.decode()
                assert f"{mine}" in html, (url, host_city)
                assert f"{theirs}'s" not in html, (url, host_city)


def test_language_variants_are_cached_separately(other_city):
    with city_context(other_city):
        ChallengeFactory(slug="green")
    french = Client(HTTP_HOST=host_of(other_city), HTTP_ACCEPT_LANGUAGE="fr")
    english = Client(HTTP_HOST=host_of(other_city), HTTP_ACCEPT_LANGUAGE="en")
    assert french.get("/")[STATUS] == "miss"
    english_page = english.get("/")
    assert english_page[STATUS] == "miss"
    assert '<html lang="en"' in english_page.content.decode()
    french_page = french.get("/")
    assert french_page[STATUS] == "hit"
    assert '<html lang="fr"' in french_page.content.decode()
    assert french_page["Content-Language"] == "fr"


def test_htmx_fragments_and_whole_pages_are_separate_variants(city, idea):
    client = Client(HTTP_HOST=host_of(city))
    whole = client.get("/challenges/green/?sort=newest")
    fragment = client.get(
        "/challenges/green/?sort=newest", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert fragment[STATUS] == "miss"
    assert "<html" in whole.content.decode()
    assert "<html" not in fragment.content.decode()
    again = client.get(
        "/challenges/green/?sort=newest", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert again[STATUS] == "hit" and again.content == fragment.content


def test_query_parameters_in_another_order_share_a_page_but_other_values_do_not(city, idea):
    client = Client(HTTP_HOST=host_of(city))
    assert client.get("/challenges/green/?sort=newest&page=1")[STATUS] == "miss"
    assert client.get("/challenges/green/?page=1&sort=newest")[STATUS] == "hit"
    assert client.get("/challenges/green/?sort=newest&page=2")[STATUS] == "miss"
    # A parameter is reflected in the page's links: another value, another page.
    html = client.get("/challenges/green/?sort=newest&x=%22%3E%3Cb%3E").content.decode()
    assert '"><b>' not in html


@pytest.mark.parametrize("location", ["redis://127.0.0.1:1/0"])
def test_pages_still_work_when_the_cache_is_down(city, idea, settings, location):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client = Client(HTTP_HOST=host_of(city))
    for url in anonymous_pages(idea):
        for _attempt in range(2):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response[STATUS] == "bypass" or response[STATUS] == "miss", url
    # A change still commits when its cache bump cannot reach Redis.
    page_cache.bump("city:1")


def test_the_cache_can_be_turned_off(city, idea, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = Client(HTTP_HOST=host_of(city))
    assert client.get("/")[STATUS] == "bypass"
    assert client.get("/")[STATUS] == "bypass"


def test_the_platform_home_is_not_cached(city):
    client = Client(HTTP_HOST="localhost")
    assert client.get("/")[STATUS] == "bypass"
    assert client.get("/")[STATUS] == "bypass"


def test_bump_makes_the_next_request_render_afresh(city, idea):
    client = Client(HTTP_HOST=host_of(city))
    client.get("/")
    assert client.get("/")[STATUS] == "hit"
    page_cache.bump(f"city:{city.pk}")
    assert client.get("/")[STATUS] == "miss"
    assert page_cache.generations([f"city:{city.pk}", "city:nowhere"]) == [1, 0]
    page_cache.bump(f"city:{city.pk}")
    assert page_cache.generations([f"city:{city.pk}"]) == [2]


# --- the language switcher without a POST form ----------------------------------


def test_language_switch_sets_the_cookie_and_returns_to_the_page(other_city):
    client = Client(HTTP_HOST=host_of(other_city))
    response = client.get("/language/", {"language": "en", "next": "/accessibility/?a=1"})
    assert response.status_code == 302
    assert response["Location"] == "/accessibility/?a=1"
    assert response.cookies["django_language"].value == "en"
    assert "no-cache" in response["Cache-Control"]
    assert '<html lang="en"' in client.get("/accessibility/").content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_language_switch_never_redirects_off_the_site(other_city, next_url):
    response = Client(HTTP_HOST=host_of(other_city)).get(
        "/language/", {"language": "en", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("language", ["nl", "xx", "", "en\x00", "<script>"])
def test_language_switch_ignores_a_language_the_city_does_not_offer(other_city, language):
    response = Client(HTTP_HOST=host_of(other_city)).get(
        "/language/", {"language": language, "next": "/"}
    )
    assert response.status_code == 302
    assert "django_language" not in response.cookies


def test_language_switch_refuses_post(other_city):
    response = Client(HTTP_HOST=host_of(other_city)).post("/language/", {"language": "en"})
    assert response.status_code == 405
