"""The language of a comment (issue 20, §4): stored at write time from the
language the person wrote in, refused when it is not one of the city's, and
marked with ``lang`` where it differs from the page's."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from civicideas.errors import InvalidInput
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Comment
from tests.api.conftest import ApiClient, token_for
from tests.conftest import client_for, make_member
from tests.ideas.factories import CommentFactory, IdeaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(city):
    return make_member(city, Role.CITIZEN)


@pytest.fixture
def idea(city):
    with city_context(city):
        return IdeaFactory(language="en")


def comment_body_tag(html: str, text: str) -> str:
    """The opening tag of the comment body that holds ``text``."""
    match = re.search(r'(<div class="comment-body"[^>]*>)\s*<p>' + re.escape(text), html)
    assert match, html
    return match.group(1)


def test_service_stores_the_language_written_in(city, idea, citizen):
    with city_context(city):
        named = services.comment_create(idea=idea, author=citizen, body="Goed", language="nl")
        with translation.override("fr"):
            active = services.comment_create(idea=idea, author=citizen, body="Oui")
        assert Comment.objects.get(pk=named.pk).language == "nl"
        assert Comment.objects.get(pk=active.pk).language == "fr"


def test_service_falls_back_to_the_idea_language(other_city):
    """Lakeside offers French and English: a comment written while German is
    active (a script) takes the idea's language, not a language the city lacks."""
    author = make_member(other_city)
    with city_context(other_city):
        idea = IdeaFactory(language="fr")
        with translation.override("de"):
            comment = services.comment_create(idea=idea, author=author, body="Bien")
        assert comment.language == "fr"


@pytest.mark.parametrize("language", ["nl", "", "xx", 'fr" onmouseover="x', "en-US"])
def test_service_refuses_a_language_the_city_does_not_offer(other_city, language):
    author = make_member(other_city)
    with city_context(other_city):
        idea = IdeaFactory(language="fr")
        with pytest.raises(InvalidInput):
            services.comment_create(idea=idea, author=author, body="Hi", language=language)
        assert Comment.objects.count() == 0


def test_comment_posted_on_the_french_page_is_french(city, idea, citizen):
    client = client_for(citizen, city)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.post(reverse("ideas:comment", args=[idea.pk]), {"body": "Très bien"})

    assert response.status_code == 302
    with city_context(city):
        assert Comment.objects.get(body="Très bien").language == "fr"


def test_french_comment_is_marked_on_the_english_page(city, idea, citizen):
    with city_context(city):
        CommentFactory(idea=idea, author=citizen, body="Très bonne idée", language="fr")
        CommentFactory(idea=idea, author=citizen, body="Great idea", language="en")
    client = client_for(citizen, city)

    english = client.get(reverse("ideas:idea", args=[idea.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = english.content.decode()

    assert comment_body_tag(html, "Très bonne idée") == '<div class="comment-body" lang="fr">'
    assert comment_body_tag(html, "Great idea") == '<div class="comment-body">'
    # The author's own edit box carries the language too.
    assert re.search(r'<textarea id="edit-\d+"[^>]* lang="fr">Très bonne idée', html)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    assert comment_body_tag(french, "Très bonne idée") == '<div class="comment-body">'
    assert comment_body_tag(french, "Great idea") == '<div class="comment-body" lang="en">'


def test_api_comment_language_defaults_to_the_request_language(city, idea, citizen):
    api = ApiClient(city, token_for(citizen, city))
    url = f"/api/v1/ideas/{idea.pk}/comments/"

    french = api.post_json(url, {"body": "Oui"}, HTTP_ACCEPT_LANGUAGE="fr")
    dutch = api.post_json(url, {"body": "Ja", "language": "nl"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert french.status_code == 201, french.content
    assert (french.json()["language"], dutch.json()["language"]) == ("fr", "nl")
    listed = api.get(url).json()["results"]
    assert [c["language"] for c in listed] == ["fr", "nl"]


@pytest.mark.parametrize(
    "language",
    ['fr" onmouseover="alert(1)', "<script>", "xx", "", None, 7, ["fr"], "x" * 500],
)
def test_api_refuses_a_hostile_language(city, idea, citizen, language):
    api = ApiClient(city, token_for(citizen, city))

    response = api.post_json(
        f"/api/v1/ideas/{idea.pk}/comments/", {"body": "Hi", "language": language}
    )

    assert response.status_code == 400, response.content
    with city_context(city):
        assert Comment.objects.count() == 0


def test_api_refuses_a_language_the_city_does_not_offer(other_city):
    """Dutch is a platform language, but Lakeside does not offer it."""
    author = make_member(other_city)
    with city_context(other_city):
        idea = IdeaFactory(language="fr")
    api = ApiClient(other_city, token_for(author, other_city))

    response = api.post_json(
        f"/api/v1/ideas/{idea.pk}/comments/", {"body": "Goed", "language": "nl"}
    )

    assert response.status_code == 400, response.content
    assert "fr, en" in response.content.decode()
    with city_context(other_city):
        assert Comment.objects.count() == 0
