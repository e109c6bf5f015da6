"""The admin list of invitations to claim an idea and its "Send again"
action: roles and another city, read-only rows, hostile and stale posts,
query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import IdeaInvitation
from tests.conftest import client_for, make_member
from tests.factories import UserFactory
from tests.offline.test_invitations import LIST, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR, email="mod@riverton.example")


@pytest.fixture
def invitation(city, moderator):
    return invite(city, moderator)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def change_url(invitation) -> str:
    return f"{LIST}{invitation.pk}/change/"


@pytest.fixture
def resend_post(django_capture_on_commit_callbacks):
    """Post "Send again"; the test's transaction never commits, so the
    e-mails queued with ``on_commit`` run as the request's commit would."""

    def post(client, ids, path=LIST, prefix=""):
        data = {f"{prefix}action": "resend", "_selected_action": [str(i) for i in ids]}
        data["index"] = 0
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, follow=True)

    return post


def later(minutes=2):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.MODERATOR, True),
        (Role.CITY_ADMIN, True),
        (Role.EVALUATOR, False),
        (Role.CITIZEN, False),
    ],
)
def test_who_sees_the_list(city, invitation, role, allowed):
    client = client_for(make_member(city, role), city)
    response = client.get(LIST)
    if allowed:
        assert response.status_code == 200
        text = response.content.decode()
        assert "ana@example.org" in text and "Swings in the park" in text
        assert "mod@riverton.example" in text and "Waiting" in text
        assert client.get(change_url(invitation)).status_code == 200
    else:
        assert response.status_code in (302, 403)
        assert client.get(change_url(invitation)).status_code in (302, 403)


def test_anonymous_is_sent_to_sign_in(city, invitation):
    response = Client(HTTP_HOST="riverton.localhost").get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_citys_staff_see_nothing_and_get_404(city, other_city, invitation):
    lakeside = make_member(other_city, Role.CITY_ADMIN)
    client = client_for(lakeside, other_city)
    response = client.get(LIST)
    assert response.status_code == 200
    assert "ana@example.org" not in response.content.decode()
    assert client.get(change_url(invitation)).status_code == 404
    # Their own city's host only: on Riverton's host they have no role.
    assert client_for(lakeside, city).get(LIST).status_code in (302, 403)


def test_rows_are_read_only(city, invitation):
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.get(f"{LIST}{invitation.pk}/delete/").status_code == 403
    response = client.post(change_url(invitation), {"email": "eve@example.org"})
    assert response.status_code == 403
    with city_context(city):
        assert IdeaInvitation.objects.get(pk=invitation.pk).email == "ana@example.org"


def test_state_filter_and_search(city, moderator, invitation):
    expired = invite(city, moderator, email="old@example.org", title="A pond")
    claimed = invite(city, moderator, email="bo@example.org", title="More bins")
    with city_context(city):
        IdeaInvitation.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(days=1)
        )
        IdeaInvitation.objects.filter(pk=claimed.pk).update(
            claimed_at=timezone.now(), claimed_by=UserFactory()
        )
    client = client_for(moderator, city)

    def shown(query):
        text = client.get(LIST + query).content.decode()
        return {e for e in ("ana@", "old@", "bo@") if e in text}

    assert shown("?state=waiting") == {"ana@"}
    assert shown("?state=expired") == {"old@"}
    assert shown("?state=claimed") == {"bo@"}
    assert "Claimed on" in client.get(LIST + "?state=claimed").content.decode()
    assert shown("?q=pond") == {"old@"}
    assert shown("?q=bo%40example") == {"bo@"}
    assert client.get(LIST + "?state=%00x").status_code in (200, 302)


def test_list_queries_do_not_grow_with_rows(
    city, moderator, invitation, django_assert_max_num_queries
):
    client = client_for(moderator, city)
    client.get(LIST)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    for n in range(10):
        invite(city, make_member(city, Role.MODERATOR), email=f"p{n}@example.org")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert "p9@example.org" in response.content.decode()


# --- Send again -----------------------------------------------------------------------


def test_send_again_from_the_list_sends_one_mail(resend_post, city, moderator, invitation):
    client = client_for(moderator, city)
    with later():
        response = resend_post(client, [invitation.pk])
        assert "Invitations sent again: 1." in messages_of(response)
        assert [m.to for m in mail.outbox] == [["ana@example.org"]]
        # The double-click (the same post again) is refused: still one e-mail.
        again = resend_post(client, [invitation.pk])
        assert any("less than a minute" in m for m in messages_of(again))
        assert len(mail.outbox) == 1


def test_send_again_from_the_invitations_page(resend_post, city, moderator, invitation):
    client = client_for(moderator, city)
    page = client.get(change_url(invitation)).content.decode()
    assert "Send the invitation again" in page
    with later():
        response = resend_post(
            client, [invitation.pk], path=change_url(invitation), prefix="CHANGE_FORM-"
        )
    assert "Invitations sent again: 1." in messages_of(response)
    assert len(mail.outbox) == 1


def test_send_again_of_another_citys_invitation_does_nothing(
    resend_post, city, other_city, invitation
):
    lakeside = make_member(other_city, Role.MODERATOR)
    with later():
        response = resend_post(client_for(lakeside, other_city), [invitation.pk])
    assert response.status_code == 200
    # The admin speaks the other city's language.
    with translation.override(other_city.default_language):
        expected = gettext("None of the selected invitations was found; nothing was sent.")
    assert expected in messages_of(response)
    assert mail.outbox == []
    with city_context(city):
        assert IdeaInvitation.objects.get(pk=invitation.pk).nonce == invitation.nonce


@pytest.mark.parametrize("ids", [["abc"], ["\x00"], ["99999999999999999999"]])
def test_hostile_selection_is_refused(resend_post, city, moderator, invitation, ids):
    with later():
        response = resend_post(client_for(moderator, city), ids)
    assert response.status_code == 200
    assert mail.outbox == []


def test_evaluator_cannot_send_again(city, invitation):
    client = client_for(make_member(city, Role.EVALUATOR), city)
    with later():
        response = client.post(
            LIST, {"action": "resend", "_selected_action": [invitation.pk], "index": 0}
        )
    assert response.status_code in (302, 403)
    assert mail.outbox == []


def test_claimed_invitation_is_refused_with_its_reason(resend_post, city, moderator, invitation):
    with city_context(city):
        IdeaInvitation.objects.filter(pk=invitation.pk).update(
            claimed_at=timezone.now(), claimed_by=UserFactory()
        )
    with later():
        response = resend_post(client_for(moderator, city), [invitation.pk])
    assert any("already been claimed" in m for m in messages_of(response))
    assert mail.outbox == []


def test_more_than_max_bulk_is_refused(resend_post, city, moderator, invitation, monkeypatch):
    from ideas.admin import invitations

    second = invite(city, moderator, email="bo@example.org")
    monkeypatch.setattr(invitations, "MAX_BULK", 1)
    with later():
        response = resend_post(client_for(moderator, city), [invitation.pk, second.pk])
    assert any("At most 1 invitations" in m for m in messages_of(response))
    assert mail.outbox == []


# --- the row's button ----------------------------------------------------------------


def resend_url(invitation) -> str:
    return f"{LIST}{invitation.pk}/resend/"


def test_row_button_sends_again(city, moderator, invitation, django_capture_on_commit_callbacks):
    client = client_for(moderator, city)
    page = client.get(LIST).content.decode()
    assert f'formaction="{resend_url(invitation)}"' in page
    with later(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend_url(invitation), follow=True)
        # A stale second click: refused, one e-mail.
        again = client.post(resend_url(invitation), follow=True)
    assert "Invitations sent again: 1." in messages_of(response)
    assert any("less than a minute" in m for m in messages_of(again))
    assert len(mail.outbox) == 1
    assert client.get(resend_url(invitation)).status_code == 405


def test_row_button_not_shown_once_claimed(city, moderator, invitation):
    with city_context(city):
        IdeaInvitation.objects.filter(pk=invitation.pk).update(
            claimed_at=timezone.now(), claimed_by=UserFactory()
        )
    page = client_for(moderator, city).get(LIST).content.decode()
    assert resend_url(invitation) not in page


@pytest.mark.parametrize("who", ["lakeside", "evaluator", "anonymous"])
def test_row_button_refuses_others(city, other_city, invitation, who):
    if who == "lakeside":
        client = client_for(make_member(other_city, Role.CITY_ADMIN), other_city)
    elif who == "evaluator":
        client = client_for(make_member(city, Role.EVALUATOR), city)
    else:
        client = Client(HTTP_HOST="riverton.localhost")
    with later():
        response = client.post(resend_url(invitation))
    assert response.status_code in {"lakeside": (404,), "evaluator": (403,)}.get(who, (302,))
    assert mail.outbox == []
    with city_context(city):
        assert IdeaInvitation.objects.get(pk=invitation.pk).nonce == invitation.nonce


@pytest.mark.parametrize("object_id", ["abc", "%00", "99999999999999999999", "-1"])
def test_row_button_with_a_forged_id_is_404(city, moderator, object_id):
    response = client_for(moderator, city).post(f"{LIST}{object_id}/resend/")
    assert response.status_code == 404
