"""Destructive actions ask first: a confirmation page (GET) that changes
nothing, whose form posts the action; it works without JavaScript."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicideas.tenancy import city_context
from ideas.models import Comment, Idea
from ideas.status import IdeaStatus
from sponsors.models import Initiative, InitiativeStatus
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory
from tests.sponsors.factories import GroupMembershipFactory, InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(city):
    return make_member(city)


@pytest.fixture
def idea(city, author):
    with city_context(city):
        return IdeaFactory(challenge=ChallengeFactory(), author=author)


def _form_of(html: str, action: str) -> str:
    start = html.index(f'<form method="post" action="{action}"')
    return html[start : html.index("</form>", start)]


def test_idea_page_links_to_the_withdraw_confirmation(city, idea, author):
    html = client_for(author, city).get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    url = reverse("ideas:withdraw", args=[idea.pk])
    assert f'<a class="button secondary" href="{url}">Withdraw my idea</a>' in html


def test_withdraw_idea_confirmation_then_post(city, idea, author):
    client = client_for(author, city)
    url = reverse("ideas:withdraw", args=[idea.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<h1 id="confirm-heading">Withdraw your idea?</h1>' in html
    form = _form_of(html, url)
    assert "csrfmiddlewaretoken" in form and "Yes, withdraw my idea" in form
    assert f'href="{reverse("ideas:idea", args=[idea.pk])}"' in html  # the way back
    with city_context(city):
        assert Idea.objects.get(pk=idea.pk).status == IdeaStatus.PUBLISHED
    assert client.post(url).status_code == 302
    with city_context(city):
        assert Idea.objects.get(pk=idea.pk).status == IdeaStatus.WITHDRAWN


def test_withdraw_confirmation_for_someone_else_is_refused(city, idea):
    response = client_for(make_member(city), city).get(reverse("ideas:withdraw", args=[idea.pk]))
    assert response.status_code == 403
    assert "Yes, withdraw" not in response.content.decode()


def test_confirmation_pages_need_sign_in_and_known_ids(city, idea, city_client):
    url = reverse("ideas:withdraw", args=[idea.pk])
    assert city_client.get(url).status_code == 302
    client = client_for(make_member(city), city)
    assert client.get("/ideas/abc/withdraw/").status_code == 404
    assert client.get(f"/ideas/{'9' * 30}/withdraw/").status_code == 404
    assert client.put(url).status_code == 405


def test_delete_comment_confirmation_then_post(city, idea, author):
    with city_context(city):
        comment = CommentFactory(idea=idea, author=author)
        Idea.objects.filter(pk=idea.pk).update(comment_count=1)  # as the service keeps it
    client = client_for(author, city)
    url = reverse("ideas:comment_delete", args=[comment.pk])
    idea_html = client.get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    assert f'href="{url}">Delete my comment</a>' in idea_html
    html = client.get(url).content.decode()
    assert "Delete your comment?" in html and "Yes, delete my comment" in html
    with city_context(city):
        assert Comment.objects.get(pk=comment.pk).state == comment.state
    assert client.post(url).status_code == 302
    with city_context(city):
        assert Comment.objects.get(pk=comment.pk).state != comment.state


def test_delete_confirmation_of_someone_elses_comment_is_refused(city, idea):
    with city_context(city):
        comment = CommentFactory(idea=idea)
    response = client_for(make_member(city), city).get(
        reverse("ideas:comment_delete", args=[comment.pk])
    )
    assert response.status_code == 403


def test_cancel_initiative_confirmation_carries_the_version(city):
    admin = make_member(city)
    with city_context(city):
        initiative = InitiativeFactory()
        GroupMembershipFactory(group=initiative.group, user=admin, role="admin")
    client = client_for(admin, city)
    url = reverse("sponsors:initiative_action", args=[initiative.pk, "cancel"])
    page = client.get(reverse("sponsors:initiative", args=[initiative.pk])).content.decode()
    assert f'href="{url}">Cancel the initiative</a>' in page
    html = client.get(url).content.decode()
    form = _form_of(html, url)
    assert f'name="lock_version" value="{initiative.lock_version}"' in form
    with city_context(city):
        assert Initiative.objects.get(pk=initiative.pk).status == InitiativeStatus.SEEKING
    assert client.post(url, {"lock_version": initiative.lock_version}).status_code == 302
    with city_context(city):
        assert Initiative.objects.get(pk=initiative.pk).status == InitiativeStatus.CANCELLED


def test_cancel_confirmation_for_a_stranger_and_get_of_other_actions(city):
    with city_context(city):
        initiative = InitiativeFactory()
    stranger = client_for(make_member(city), city)
    cancel = reverse("sponsors:initiative_action", args=[initiative.pk, "cancel"])
    assert stranger.get(cancel).status_code == 403
    publish = reverse("sponsors:initiative_action", args=[initiative.pk, "publish"])
    assert stranger.get(publish).status_code == 405
    assert stranger.get(f"/initiatives/{initiative.pk}/explode/").status_code == 404
