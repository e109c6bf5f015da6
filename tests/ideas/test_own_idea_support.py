"""Authors do not support their own idea: one rule for the page, the API and the service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicideas.errors import NotAllowed
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import rules, services
from ideas.models import Idea, Support
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory, SupportFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def author(city):
    return make_member(city, Role.CITIZEN)


@pytest.fixture
def idea(city, author):
    with city_context(city):
        return IdeaFactory(challenge=ChallengeFactory(), author=author)


def test_rule_refuses_the_author_and_allows_others(city, idea, author):
    other = make_member(city)
    with city_context(city):
        assert not rules.can_support(author, idea)
        assert rules.can_support(other, idea)
        # The author may still withdraw a support given before the rule.
        assert rules.supports_open_to(author, idea)


def test_service_refuses_with_a_clear_message_and_writes_nothing(city, idea, author):
    with city_context(city), pytest.raises(NotAllowed, match="your own idea"):
        services.idea_support(idea=idea, user=author)
    with city_context(city):
        assert not Support.objects.exists()
        assert Idea.objects.get(pk=idea.pk).support_count == 0


def test_page_shows_the_count_but_no_button_to_the_author(city, idea, author):
    html = client_for(author, city).get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    assert "0 people support this idea" in html
    assert "Support this idea</button>" not in html
    assert "you cannot support it yourself" in html
    other = client_for(make_member(city), city)
    assert (
        "Support this idea</button>"
        in other.get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    )


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_forged_post_by_the_author_is_refused(city, idea, author, headers):
    response = client_for(author, city).post(
        reverse("ideas:support", args=[idea.pk]), {"action": "support"}, **headers
    )
    assert response.status_code == 403
    assert "You cannot support your own idea." in response.content.decode()
    with city_context(city):
        assert not Support.objects.exists()


def test_api_refuses_the_author(city, idea, author):
    from rest_framework.test import APIClient

    from tests.conftest import host_of

    api = APIClient(HTTP_HOST=host_of(city))
    api.force_authenticate(author)
    response = api.post(f"/api/v1/ideas/{idea.pk}/support/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_author_can_withdraw_a_support_given_before_the_rule(city, idea, author):
    with city_context(city):
        SupportFactory(idea=idea, user=author)
        Idea.objects.filter(pk=idea.pk).update(support_count=1)
    client = client_for(author, city)
    assert (
        "Withdraw my support" in client.get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    )
    response = client.post(reverse("ideas:support", args=[idea.pk]), {"action": "unsupport"})
    assert response.status_code == 302
    with city_context(city):
        assert not Support.objects.exists()
        assert Idea.objects.get(pk=idea.pk).support_count == 0
