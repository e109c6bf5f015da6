"""Invitations to claim an idea: sending again (``invitation_resend``), the
admin list and its action, and the sweep of old addresses."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from civicideas.errors import Conflict, NotAllowed
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services, tasks
from ideas.models import Channel, IdeaInvitation
from ideas.services import offline
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/ideas/ideainvitation/"


def invite(city, moderator, email="ana@example.org", title="Swings in the park"):
    with city_context(city):
        challenge = ChallengeFactory()
        idea = services.idea_submit(
            entered_by=moderator,
            author=None,
            challenge=challenge,
            title=title,
            body="From the paper form.",
            language="en",
            channel=Channel.PAPER,
            consent_to_publish=True,
            submission_token=uuid.uuid4(),
            invite_email=email,
        )
        return IdeaInvitation.objects.get(idea=idea)


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR, email="mod@riverton.example")


@pytest.fixture
def invitation(city, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(city, moderator)
    mail.outbox.clear()
    return invitation


def later(minutes=2):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def resend(city, invitation, by, capture):
    with capture(execute=True), city_context(city):
        return services.invitation_resend(invitation=invitation, by=by)


# --- the service -----------------------------------------------------------


def test_resend_sends_one_mail_with_a_new_link_and_the_old_one_stops(
    city, invitation, moderator, django_capture_on_commit_callbacks
):
    old_url = offline.claim_url(invitation)
    with later(60 * 24 * 10):
        again = resend(city, invitation, moderator, django_capture_on_commit_callbacks)
        new_url = offline.claim_url(again)
        assert again.nonce != invitation.nonce
        assert abs(again.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(seconds=1)
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["ana@example.org"]
        assert new_url in mail.outbox[0].body and old_url not in mail.outbox[0].body
        with city_context(city):
            old = offline.invitation_for_token(old_url.rstrip("/").rsplit("/", 1)[-1])
            new = offline.invitation_for_token(new_url.rstrip("/").rsplit("/", 1)[-1])
        assert old.state == "invalid"
        assert new.state == "ok"


def test_resend_revives_an_expired_invitation(
    city, invitation, moderator, django_capture_on_commit_callbacks
):
    with later(60 * 24 * 31):
        with city_context(city):
            assert not IdeaInvitation.objects.get(pk=invitation.pk).is_open
        again = resend(city, invitation, moderator, django_capture_on_commit_callbacks)
        assert again.is_open
        assert len(mail.outbox) == 1


def test_resend_within_a_minute_is_refused_and_sends_nothing(
    city, invitation, moderator, django_capture_on_commit_callbacks
):
    with pytest.raises(Conflict, match="less than a minute"):
        resend(city, invitation, moderator, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_resend_refused_once_claimed(
    city, invitation, moderator, django_capture_on_commit_callbacks
):
    ana = UserFactory(email="ana@example.org")
    with city_context(city):
        services.idea_claim(invitation=invitation, user=ana)
    with later(), pytest.raises(NotAllowed, match="already been claimed"):
        resend(city, invitation, moderator, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_resend_refused_when_the_idea_has_an_author(
    city, invitation, moderator, django_capture_on_commit_callbacks
):
    with city_context(city):
        invitation.idea.author = UserFactory()
        invitation.idea.save(update_fields=["author"])
    with later(), pytest.raises(NotAllowed, match="already has an author"):
        resend(city, invitation, moderator, django_capture_on_commit_callbacks)
    assert mail.outbox == []


# --- the sweep -------------------------------------------------------------


def test_sweep_blanks_old_unclaimed_addresses_only(city, other_city, moderator):
    old = invite(city, moderator, email="old@example.org")
    fresh = invite(city, moderator, email="fresh@example.org")
    claimed = invite(city, moderator, email="claimed@example.org")
    theirs = invite(other_city, make_member(other_city, Role.MODERATOR), email="l@example.org")
    with city_context(city):
        IdeaInvitation.objects.filter(pk=claimed.pk).update(
            claimed_at=timezone.now(), claimed_by=UserFactory()
        )
    with city_context(other_city):
        IdeaInvitation.objects.filter(pk=theirs.pk).update(
            expires_at=timezone.now() - timedelta(days=200)
        )
    with city_context(city):
        IdeaInvitation.objects.filter(pk__in=[old.pk, claimed.pk]).update(
            expires_at=timezone.now() - timedelta(days=91)
        )
        IdeaInvitation.objects.filter(pk=fresh.pk).update(
            expires_at=timezone.now() - timedelta(days=89)
        )
    tasks.invitations_sweep_city(city.pk)
    with city_context(city):
        emails = dict(IdeaInvitation.objects.values_list("pk", "email"))
    assert emails == {old.pk: "", fresh.pk: "fresh@example.org", claimed.pk: "claimed@example.org"}
    with city_context(other_city):
        assert IdeaInvitation.objects.get(pk=theirs.pk).email == "l@example.org"
    # Idempotent, and the setting decides.
    with city_context(city):
        assert services.invitations_sweep() == 0
        with override_settings(OFFLINE_INVITATION_KEEP_DAYS=30):
            assert services.invitations_sweep() == 1


def test_swept_invitation_cannot_be_resent(
    city, invitation, moderator, django_capture_on_commit_callbacks
):
    with city_context(city):
        IdeaInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(days=100)
        )
        assert services.invitations_sweep() == 1
    with pytest.raises(NotAllowed, match="cleared"):
        resend(city, invitation, moderator, django_capture_on_commit_callbacks)


def test_beat_task_queues_each_active_city(city, other_city, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.invitations_sweep_city, "delay", lambda *a: queued.append(a))
    assert tasks.invitations_sweep_all() == len(queued)
    assert (city.pk,) in queued and (other_city.pk,) in queued
