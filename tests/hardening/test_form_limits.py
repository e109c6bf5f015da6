"""Limits against abuse on the browser forms (issue 13, docs/privacy.md
"Limits"): each form answers 429 in the site's layout with ``Retry-After``
and a message once its budget is spent, and writes nothing more."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from civicideas.settings.base import form_rate_limits
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from civicideas.web.ratelimit import Rate, parse_rate
from ideas.models import Comment, Idea, Report, Support
from sponsors.models import CommunityGroup, Offer
from tests.conftest import client_for, host_of, make_member
from tests.factories import PASSWORD, UserFactory
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory
from tests.ideas.test_views import HTMX, submit_data
from tests.sponsors.factories import (
    InitiativeFactory,
    NeedFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    """Set one action's budgets: ``limits("comment", "2/h", "")``."""

    def set_limit(action: str, per_person: str, per_ip: str = "") -> None:
        settings.FORM_RATE_LIMITS = {**settings.FORM_RATE_LIMITS, action: (per_person, per_ip)}

    return set_limit


@pytest.fixture
def challenge(city):
    with city_context(city):
        return ChallengeFactory(slug="green")


@pytest.fixture
def citizen(city):
    return make_member(city, Role.CITIZEN)


@pytest.fixture
def idea(city, challenge):
    with city_context(city):
        return IdeaFactory(challenge=challenge)


def assert_refused(response, words: str) -> None:
    html = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "<h1>Too many attempts</h1>" in html
    assert '<main id="main"' in html  # the site's layout
    assert words in html
    assert "Forgot your password?" not in html


def test_idea_submissions(city, citizen, challenge, limits):
    limits("idea", "2/h")
    client = client_for(citizen, city)
    url = reverse("ideas:submit", args=["green"])
    for _ in range(2):
        assert client.post(url, submit_data()).status_code == 302
    # The preview and the same form posted twice do not count.
    assert client.post(url, {**submit_data(), "preview": "1"}).status_code == 200
    assert_refused(client.post(url, submit_data()), "submitted many ideas")
    with city_context(city):
        assert Idea.objects.count() == 2


def test_comments(city, citizen, idea, limits):
    limits("comment", "2/h")
    client = client_for(citizen, city)
    url = reverse("ideas:comment", args=[idea.pk])
    for n in range(2):
        assert client.post(url, {"body": f"Comment {n}"}).status_code == 302
    assert_refused(client.post(url, {"body": "One more"}), "posted many comments")
    with city_context(city):
        assert Comment.objects.filter(idea=idea).count() == 2


def test_reports(city, citizen, idea, limits):
    limits("flag", "1/h")
    with city_context(city):
        comment = CommentFactory(idea=idea)
    client = client_for(citizen, city)
    assert (
        client.post(reverse("ideas:report", args=[idea.pk]), {"reason": "Spam"}).status_code == 302
    )
    refused = client.post(reverse("ideas:comment_report", args=[comment.pk]), {"reason": "Rude"})
    assert_refused(refused, "sent many reports")
    with city_context(city):
        assert Report.objects.count() == 1


def test_support_toggles_page_and_htmx(city, citizen, idea, limits):
    limits("support", "2/h")
    client = client_for(citizen, city)
    url = reverse("ideas:support", args=[idea.pk])
    assert client.post(url, {"action": "support"}).status_code == 302
    assert client.post(url, {"action": "unsupport"}).status_code == 302
    assert_refused(client.post(url, {"action": "support"}), "changed your support many times")
    fragment = client.post(url, {"action": "support"}, **HTMX)
    assert fragment.status_code == 429 and int(fragment["Retry-After"]) > 0
    body = fragment.content.decode()
    assert "changed your support many times" in body and "<html" not in body
    with city_context(city):
        assert not Support.objects.filter(idea=idea).exists()


def test_offers(city, limits):
    limits("offer", "1/h")
    user = make_member(city)
    with city_context(city):
        initiative = InitiativeFactory()
        need = NeedFactory(initiative=initiative)
        refresh(initiative)
        sponsor = SponsorFactory()
        SponsorMembershipFactory(sponsor=sponsor, user=user)
    client = client_for(user, city)
    url = reverse("sponsors:offer", args=[need.pk])
    assert client.post(url, {"sponsor": sponsor.pk, "quantity": "5"}).status_code == 302
    assert_refused(client.post(url, {"sponsor": sponsor.pk, "quantity": "5"}), "made many offers")
    with city_context(city):
        assert Offer.objects.get().quantity == Decimal("5")


def test_group_creation(city, limits):
    limits("group", "1/d")
    client = client_for(make_member(city), city)
    url = reverse("sponsors:group_create")
    data = {"name": "Gardeners", "contact_email": "g@example.org", "description": "We garden."}
    assert client.post(url, data).status_code == 302
    assert_refused(client.post(url, {**data, "name": "Bakers"}), "created many groups")
    with city_context(city):
        assert list(CommunityGroup.objects.values_list("name", flat=True)) == ["Gardeners"]


def test_the_ip_budget_is_shared_by_people(city, idea, limits):
    limits("comment", "10/h", "2/h")
    alice, bob = make_member(city), make_member(city)
    url = reverse("ideas:comment", args=[idea.pk])
    assert client_for(alice, city).post(url, {"body": "a"}).status_code == 302
    assert client_for(bob, city).post(url, {"body": "b"}).status_code == 302
    assert_refused(client_for(alice, city).post(url, {"body": "c"}), "posted many comments")
    # Another address has its own budget.
    other_ip = client_for(bob, city).post(url, {"body": "d"}, REMOTE_ADDR="198.51.100.7")
    assert other_ip.status_code == 302


def test_a_refused_request_spends_nothing(city, citizen, idea, limits, settings):
    """Refused on the person's budget, the IP's is untouched."""
    limits("comment", "1/h", "2/h")
    url = reverse("ideas:comment", args=[idea.pk])
    client = client_for(citizen, city)
    assert client.post(url, {"body": "a"}).status_code == 302
    for _ in range(3):
        assert client.post(url, {"body": "b"}).status_code == 429
    other = client_for(make_member(city), city)
    assert other.post(url, {"body": "c"}).status_code == 302


def test_signups_are_limited_per_ip_with_our_page(city, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    client = Client(HTTP_HOST=host_of(city))

    def sign_up(n: int):
        return client.post(
            "/accounts/signup/",
            {
                "email": f"new{n}@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "accept_privacy": "on",
            },
        )

    assert sign_up(1).status_code == 302
    assert sign_up(2).status_code == 302
    refused = sign_up(3)
    assert_refused(refused, "many times in a short time")
    assert refused["Retry-After"] == str(settings.ACCOUNT_RATE_LIMIT_RETRY_AFTER)
    assert not UserFactory._meta.model.objects.filter(email="new3@example.org").exists()


def test_password_resets_are_limited_with_our_page(city, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "reset_password": "5/h/ip,1/h/key",
    }
    make_member(city, email="ada@example.org")
    client = Client(HTTP_HOST=host_of(city))
    url = "/accounts/password/reset/"
    assert client.post(url, {"email": "ada@example.org"}).status_code == 302
    sent = len(mail.outbox)
    assert_refused(client.post(url, {"email": "ada@example.org"}), "many times in a short time")
    assert len(mail.outbox) == sent


def test_anonymous_posts_are_not_counted_against_anyone(city, idea, limits):
    limits("comment", "1/h", "1/h")
    anonymous = Client(HTTP_HOST=host_of(city))
    for _ in range(3):
        assert (
            anonymous.post(reverse("ideas:comment", args=[idea.pk]), {"body": "x"}).status_code
            == 302
        )
    client = client_for(make_member(city), city)
    assert client.post(reverse("ideas:comment", args=[idea.pk]), {"body": "y"}).status_code == 302


# --- settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5/h", Rate(5, 3600)),
        ("20/10m", Rate(20, 600)),
        ("1/d", Rate(1, 86_400)),
        ("3/s", Rate(3, 1)),
    ],
)
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "5", "five/h", "5/x", "5/-1h", "5/hh", "/h"])
def test_parse_rate_refuses_nonsense(text):
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate(text)


def test_limits_from_the_environment():
    defaults = {"idea": ("5/h", "20/h"), "comment": ("20/h", "60/h")}
    assert form_rate_limits(defaults, "") == defaults
    assert form_rate_limits(defaults, " comment=2/h|, idea=|9/d ") == {
        "idea": ("", "9/d"),
        "comment": ("2/h", ""),
    }
    with pytest.raises(ImproperlyConfigured, match="unknown action"):
        form_rate_limits(defaults, "poll=1/h|1/h")


def test_every_configured_limit_parses(settings):
    for action, (per_person, per_ip) in settings.FORM_RATE_LIMITS.items():
        for text in filter(None, (per_person, per_ip)):
            assert parse_rate(text).count > 0, action
    assert re.fullmatch(r"\d+", str(settings.ACCOUNT_RATE_LIMIT_RETRY_AFTER))
