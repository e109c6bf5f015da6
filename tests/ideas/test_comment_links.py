"""A new account posts no links until it has confirmed its e-mail address
(issue 13): one rule (``accounts.rules.link_refusal``) in the comment
service, so the page and the API refuse alike, and nothing is written."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from civicideas.accounts.rules import contains_link, link_refusal
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Comment
from tests.api.conftest import ApiClient, token_for
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory

pytestmark = pytest.mark.django_db

REFUSAL = "You can post links once you have confirmed your e-mail address."


@pytest.fixture
def idea(city):
    with city_context(city):
        return IdeaFactory(challenge=ChallengeFactory())


@pytest.fixture
def newcomer(city):
    return make_member(city, Role.CITIZEN, verified=False)


@pytest.mark.parametrize(
    "text",
    [
        "see https://cheap.example/pills",
        "[click](http://spam.example)",
        "go to www.spam.example now",
        "buy at cheap-pills.com/today",
        "HTTPS://SHOUT.EXAMPLE",
        "ftp://files.example/x",
    ],
)
def test_links_are_recognised(text):
    assert contains_link(text)


@pytest.mark.parametrize(
    "text",
    ["A bench by the river, please.", "e.g. more trees", "Meet at 10.30 am", "3.5 km", ""],
)
def test_plain_text_is_not_a_link(text):
    assert not contains_link(text)


def test_rule_depends_on_a_confirmed_address(city, newcomer):
    assert link_refusal(newcomer, "see https://x.example") == REFUSAL
    assert link_refusal(newcomer, "no link here") is None
    EmailAddress.objects.create(user=newcomer, email=newcomer.email, verified=True, primary=True)
    assert link_refusal(newcomer, "see https://x.example") is None


def test_page_refuses_a_link_with_a_form_error(city, idea, newcomer):
    client = client_for(newcomer, city)
    url = reverse("ideas:comment", args=[idea.pk])
    response = client.post(url, {"body": "Great! https://spam.example"})
    html = response.content.decode()
    assert response.status_code == 400
    assert REFUSAL in html and 'aria-invalid="true"' in html
    assert client.post(url, {"body": "Great idea"}).status_code == 302
    with city_context(city):
        assert list(Comment.objects.values_list("body", flat=True)) == ["Great idea"]


def test_editing_a_link_in_is_refused_too(city, idea, newcomer):
    with city_context(city):
        comment = CommentFactory(idea=idea, author=newcomer, body="Fine")
    client = client_for(newcomer, city)
    response = client.post(
        reverse("ideas:comment_edit", args=[comment.pk]), {"body": "www.spam.example"}
    )
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    with city_context(city):
        assert Comment.objects.get(pk=comment.pk).body == "Fine"


def test_api_refuses_alike(city, idea, newcomer):
    api = ApiClient(city, token_for(newcomer, city))
    url = f"/api/v1/ideas/{idea.pk}/comments/"
    response = api.post_json(url, {"body": "see http://spam.example"})
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    with city_context(city):
        assert not Comment.objects.exists()


def test_a_confirmed_account_may_post_links(city, idea):
    citizen = make_member(city, Role.CITIZEN)
    client = client_for(citizen, city)
    url = reverse("ideas:comment", args=[idea.pk])
    assert client.post(url, {"body": "More at https://riverton.example"}).status_code == 302
