"""The invited person claims an idea staff entered for them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import signing
from django.test import Client
from django.utils import timezone

from civicideas.errors import NotAllowed
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Channel, Idea, IdeaInvitation, StatusChange
from ideas.services import offline
from tests.conftest import client_for, host_of, make_member
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(city):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        challenge = ChallengeFactory(slug="green")
        idea = services.idea_submit(
            entered_by=moderator,
            author=None,
            challenge=challenge,
            title="Swings in the park",
            body="From the paper form.",
            language="en",
            channel=Channel.PAPER,
            consent_to_publish=True,
            submission_token=uuid.uuid4(),
            invite_email="ana@example.org",
        )
        return IdeaInvitation.objects.get(idea=idea)


def url_of(invitation) -> str:
    return f"/ideas/claim/{offline.claim_token(invitation)}/"


def test_invited_person_claims_the_idea(city, invitation):
    ana = UserFactory(email="ana@example.org")
    client = client_for(ana, city)
    page = client.get(url_of(invitation))
    assert page.status_code == 200
    assert "Make this idea mine" in page.content.decode()
    response = client.post(url_of(invitation))
    assert response.status_code == 302
    with city_context(city):
        idea = Idea.objects.get(pk=invitation.idea_id)
        invitation.refresh_from_db()
        assert idea.author_id == ana.pk
        assert invitation.claimed_by_id == ana.pk and invitation.claimed_at is not None
        assert StatusChange.objects.filter(idea=idea, changed_by=ana, is_public=False).exists()
    # Used: a second visit (even by Ana) says so.
    again = client.get(url_of(invitation))
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert client.post(url_of(invitation)).status_code == 410


def test_signed_out_visitor_is_asked_to_sign_in_or_up(city, invitation):
    page = Client(HTTP_HOST=host_of(city)).get(url_of(invitation))
    assert page.status_code == 200
    text = page.content.decode()
    assert "/accounts/login/?next=" in text and "/accounts/signup/?next=" in text
    assert "ana@example.org" in text


def test_someone_else_cannot_claim(city, invitation):
    bob = UserFactory(email="bob@example.org")
    client = client_for(bob, city)
    assert client.get(url_of(invitation)).status_code == 403
    assert client.post(url_of(invitation)).status_code == 403
    with city_context(city):
        assert Idea.objects.get(pk=invitation.idea_id).author_id is None
        with pytest.raises(NotAllowed):
            services.idea_claim(invitation=invitation, user=bob)


def test_unverified_address_cannot_claim(city, invitation):
    ana = UserFactory(email="ana@example.org", verified=False)
    EmailAddress.objects.create(user=ana, email="ana@example.org", verified=False, primary=True)
    assert client_for(ana, city).post(url_of(invitation)).status_code == 403


def test_expired_link(city, invitation):
    ana = UserFactory(email="ana@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=offline.INVITATION_DAYS + 1)):
        response = client_for(ana, city).post(url_of(invitation))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "x" * 5000,
        "WzEsImFiYyJd:1tAbCd:forged",
        "%00",
        signing.dumps([1, "nonce"], salt="another.salt"),
        signing.dumps(["x", None], salt="ideas.claim.v1"),
        signing.dumps([2**70, "n"], salt="ideas.claim.v1"),
        signing.dumps("not a list", salt="ideas.claim.v1"),
    ],
)
def test_forged_tokens_give_a_clear_page(city, invitation, token):
    client = client_for(UserFactory(email="ana@example.org"), city)
    for response in (client.get(f"/ideas/claim/{token}/"), client.post(f"/ideas/claim/{token}/")):
        assert response.status_code == 404
    with city_context(city):
        assert Idea.objects.get(pk=invitation.idea_id).author_id is None


def test_right_id_wrong_nonce(city, invitation):
    token = signing.dumps([invitation.pk, "0" * 32], salt="ideas.claim.v1")
    ana = UserFactory(email="ana@example.org")
    assert client_for(ana, city).post(f"/ideas/claim/{token}/").status_code == 404


def test_other_citys_host_does_not_know_the_link(city, other_city, invitation):
    ana = UserFactory(email="ana@example.org")
    response = client_for(ana, other_city).post(url_of(invitation))
    assert response.status_code == 404
    with city_context(city):
        assert Idea.objects.get(pk=invitation.idea_id).author_id is None


def test_claimed_idea_is_the_authors_own(city, invitation):
    """After the claim the author's page shows it as theirs (edit, withdraw)."""
    ana = UserFactory(email="ana@example.org")
    client = client_for(ana, city)
    client.post(url_of(invitation))
    page = client.get(f"/ideas/{invitation.idea_id}/").content.decode()
    assert f"/ideas/{invitation.idea_id}/edit/" in page
