"""A change list page kept whole by content (``admin_pages``; issue 17):
the kept page is the page Django renders, with the request's own CSRF token
and CSP nonce; any changed value it shows is a new page; a person, a city,
a language never sees another's; messages and values the key cannot read
are rendered fresh."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client
from django.test.signals import template_rendered

from civicideas.tenancy import admin_nav, admin_pages, city_context
from civicideas.tenancy.admin_site import CityAdminSite
from civicideas.tenancy.roles import Role
from ideas.models import Idea
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

IDEAS = "/admin/ideas/idea/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def _fresh_nav():
    admin_nav.forget()
    yield
    admin_nav.forget()


def _ideas(city, *titles: str, **kwargs) -> list[Idea]:
    with city_context(city):
        challenge = ChallengeFactory()
        return [IdeaFactory(challenge=challenge, title=title, **kwargs) for title in titles]


def _get(client: Client, url: str = IDEAS) -> tuple[str, list[str], object]:
    """The page's text and the templates rendered for it."""
    rendered: list[str] = []

    def note(sender, template, context, **_kwargs):
        rendered.append(template.name)

    template_rendered.connect(note)
    try:
        response = client.get(url)
    finally:
        template_rendered.disconnect(note)
    assert response.status_code == 200, url
    return response.content.decode(), rendered, response


def _without_tokens(html: str) -> str:
    return NONCE.sub("", TOKEN.sub("", html))


def test_a_second_view_is_the_kept_page_and_equals_djangos(city, monkeypatch):
    _ideas(city, "<b>Bench</b> & shade", "Bike lanes")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    first, rendered_first, _ = _get(client)
    kept, rendered_kept, _ = _get(client)
    assert "admin/change_list.html" in rendered_first
    assert rendered_kept == []  # no template rendered: the kept page
    assert _without_tokens(kept) == _without_tokens(first)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    fresh, rendered_fresh, _ = _get(client)
    assert "admin/change_list.html" in rendered_fresh
    assert _without_tokens(fresh) == _without_tokens(kept)
    assert "&lt;b&gt;Bench&lt;/b&gt; &amp; shade" in kept


@pytest.mark.parametrize("query", ["?q=Bike", "?o=-6", "?status__exact=pending", "?reported=yes"])
def test_each_query_string_is_a_page_of_its_own(city, query):
    _ideas(city, *[f"Bike {n}" for n in range(3)])
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    plain, _, _ = _get(client)
    other, rendered, _ = _get(client, IDEAS + query)
    assert rendered  # a new key: rendered
    assert _without_tokens(other) != _without_tokens(plain)
    assert _get(client, IDEAS + query)[1] == []


def test_a_changed_value_is_a_new_page(city):
    (idea,) = _ideas(city, "Old title")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    _get(client)
    with city_context(city):
        Idea.objects.filter(pk=idea.pk).update(title="New title")
    html, rendered, _ = _get(client)
    assert "New title" in html and "Old title" not in html
    assert rendered
    with city_context(city):
        IdeaFactory(challenge=idea.challenge, title="A third one")
    html, _, _ = _get(client)
    assert "A third one" in html


def test_the_kept_pages_token_is_the_viewers_own_and_valid(city):
    _ideas(city, "An idea")
    admin = make_member(city, Role.CITY_ADMIN)
    client = Client(HTTP_HOST=host_of(city), enforce_csrf_checks=True)
    client.force_login(admin)
    _get(client)
    kept, rendered, _ = _get(client)
    assert rendered == []
    tokens = set(TOKEN.findall(kept))
    assert tokens and admin_pages.fragment_cache.CSRF_PLACEHOLDER not in kept
    # The sign-out form of the kept page works: the token is this session's.
    response = client.post("/admin/logout/", {"csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_each_response_has_its_own_nonce_in_the_page_and_the_policy(city):
    _ideas(city, "An idea")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    _get(client)
    seen = set()
    for _ in range(2):
        html, rendered, response = _get(client)
        assert rendered == []
        nonces = set(NONCE.findall(html))
        assert len(nonces) == 1
        (nonce,) = nonces
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        seen.add(nonce)
    assert len(seen) == 2


def test_a_page_is_kept_per_person_and_per_city(city, other_city):
    _ideas(city, "Riverton idea")
    _ideas(other_city, "Lakeside idea")
    ann = client_for(make_member(city, Role.CITY_ADMIN, email="ann@example.org"), city)
    bob = client_for(make_member(city, Role.CITY_ADMIN, email="bob@example.org"), city)
    elsewhere = client_for(make_member(other_city, Role.CITY_ADMIN), other_city)
    for _ in range(2):
        assert "ann@example.org" in _get(ann)[0]
        bobs = _get(bob)[0]
        assert "bob@example.org" in bobs and "ann@example.org" not in bobs
        other = _get(elsewhere)[0]
        assert "Lakeside idea" in other and "Riverton idea" not in other


def test_a_moderator_never_gets_the_city_admins_page(city, monkeypatch):
    _ideas(city, "An idea")
    admin = client_for(make_member(city, Role.CITY_ADMIN, email="x@example.org"), city)
    moderator = client_for(make_member(city, Role.MODERATOR, email="x@example.com"), city)
    admins = _without_tokens(_get(admin)[0])
    _get(moderator)
    moderators, rendered, _ = _get(moderator)
    assert rendered == []
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    fresh = _without_tokens(_get(moderator)[0])
    assert _without_tokens(moderators) == fresh != admins


def test_messages_are_shown_and_their_page_not_kept(city, rf):
    _ideas(city, "An idea")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    _get(client)
    # A message waiting for the next page, as an action's redirect leaves it.
    storage = CookieStorage(rf.get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(INFO, "Seven ideas hidden")])
    html, rendered, _ = _get(client)
    assert "Seven ideas hidden" in html and rendered
    html, rendered, _ = _get(client)
    assert "Seven ideas hidden" not in html
    assert rendered == []  # the page kept before the message


def test_a_value_the_key_cannot_read_is_rendered_every_time(city, monkeypatch):
    _ideas(city, "An idea")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    real = CityAdminSite.each_context

    class Opaque:
        def __str__(self) -> str:
            return "opaque"

    def each_context(self, request):
        return {**real(self, request), "something": Opaque()}

    monkeypatch.setattr(CityAdminSite, "each_context", each_context)
    for _ in range(2):
        assert "admin/change_list.html" in _get(client)[1]


def test_another_language_is_another_page(other_city):
    _ideas(other_city, "An idea")
    client = client_for(make_member(other_city, Role.CITY_ADMIN), other_city)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _get(client)
    english, rendered, _ = _get(client)
    assert rendered == [] and 'lang="en"' in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french, rendered, _ = _get(client)
    assert rendered and 'lang="fr"' in french


def test_plain_values_or_refuse():
    assert admin_pages._plain(object()) is admin_pages._NOT_KEPT
    assert admin_pages._plain(["a", 1, None, ("b", True)]) == ("a", 1, None, ("b", True))
    assert admin_pages._plain({"a": [object()]}) is admin_pages._NOT_KEPT
