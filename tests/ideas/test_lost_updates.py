"""No lost updates on ideas, comments and challenges (civicideas.concurrency).

The case of the issue: two moderators open one idea's official answer form;
A answers "under evaluation", B then posts "accepted" from the stale form.
B must be refused (409, who and when, a link to reload) and nothing of B's
written. The same for moderation (queue, API) and the challenge admin; two
posts from one version in threads on real PostgreSQL: exactly one wins.
"""

from __future__ import annotations

import json

import pytest
from django.db.models import F

from civicideas.accounts.services import profile_ensure
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Challenge, Comment, Idea, ModerationAction, StatusChange
from ideas.status import IdeaStatus
from tests.concurrency import change_form_data, parallel
from tests.conftest import client_for, lock_version_of, make_member
from tests.factories import UserFactory
from tests.ideas.factories import CommentFactory, IdeaFactory, SupportFactory

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "/admin/ideas/idea/moderation/"


class Staff:
    def __init__(self, city) -> None:
        self.city = city
        self.anna = make_member(city, Role.MODERATOR, email="anna@riverton.example")
        self.ben = make_member(city, Role.MODERATOR, email="ben@riverton.example")
        self.admin = make_member(city, Role.CITY_ADMIN, email="admin@riverton.example")
        with city_context(city):
            profile = profile_ensure(user=self.anna)
            profile.display_name = "Anna Moderator"
            profile.save()
            self.idea = IdeaFactory(title="Trees on Main Street")
            SupportFactory(idea=self.idea)
            self.comment = CommentFactory(idea=self.idea, body="Rude words")
            Idea.objects.filter(pk=self.idea.pk).update(comment_count=F("comment_count") + 1)
            self.challenge = self.idea.challenge

    def fresh(self, obj):
        with city_context(self.city):
            return type(obj).objects.get(pk=obj.pk)

    def count(self, model, **filters) -> int:
        with city_context(self.city):
            return model.objects.filter(**filters).count()


@pytest.fixture
def staff(city):
    return Staff(city)


def _answer(version, status: str, message: str = "Decided") -> dict:
    return {"answer-status": status, "answer-message": message, "answer-lock_version": version}


def _status_url(idea) -> str:
    return f"/admin/ideas/idea/{idea.pk}/status/"


# --- official answers -----------------------------------------------------------------


def test_stale_official_answer_is_refused_and_nothing_is_written(staff):
    read_at = lock_version_of(staff.idea)
    anna, ben = client_for(staff.anna, staff.city), client_for(staff.ben, staff.city)
    # Both open the form; it carries the version it was read at.
    page = ben.get(_status_url(staff.idea)).content.decode()
    assert f'name="answer-lock_version" value="{read_at}"' in page
    response = anna.post(_status_url(staff.idea), _answer(read_at, "under_evaluation", "We look"))
    assert response.status_code == 302
    notifications = staff.count(Notification)
    response = ben.post(_status_url(staff.idea), _answer(read_at, "accepted", "Yes!"))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Changed by Anna Moderator at" in body
    assert f'href="/admin/ideas/idea/{staff.idea.pk}/change/"' in body
    assert staff.fresh(staff.idea).status == IdeaStatus.UNDER_EVALUATION
    assert staff.count(StatusChange, idea=staff.idea, is_official=True) == 1
    assert staff.count(Notification) == notifications
    # Reloaded, B sees A's answer and may still accept it deliberately.
    reloaded = ben.get(_status_url(staff.idea)).content.decode()
    assert f'name="answer-lock_version" value="{read_at + 1}"' in reloaded
    response = ben.post(_status_url(staff.idea), _answer(read_at + 1, "accepted", "Yes!"))
    assert response.status_code == 302
    assert staff.fresh(staff.idea).status == IdeaStatus.ACCEPTED


def test_official_answer_without_version_is_a_400(staff):
    client = client_for(staff.anna, staff.city)
    data = _answer(None, "accepted")
    del data["answer-lock_version"]
    response = client.post(_status_url(staff.idea), data)
    assert response.status_code == 400
    assert "out of date" in response.content.decode()
    assert staff.fresh(staff.idea).status == IdeaStatus.PUBLISHED
    assert staff.count(StatusChange, idea=staff.idea, is_official=True) == 0


def test_two_concurrent_official_answers_one_wins(staff):
    read_at = lock_version_of(staff.idea)
    answers = {"anna": "under_evaluation", "ben": "accepted"}
    posts = [
        lambda who=who: (
            client_for(getattr(staff, who), staff.city)
            .post(_status_url(staff.idea), _answer(read_at, answers[who]))
            .status_code
        )
        for who in answers
    ]
    assert parallel(posts) == [302, 409]
    assert staff.count(StatusChange, idea=staff.idea, is_official=True) == 1
    assert staff.fresh(staff.idea).lock_version == read_at + 1


def test_service_refuses_a_stale_version_for_tasks_and_api_alike(staff):
    from civicideas.concurrency import StaleEdit

    read_at = lock_version_of(staff.idea)
    with city_context(staff.city):
        services.idea_moderate(
            idea=staff.idea, moderator=staff.anna, action="dismiss", expected_version=read_at
        )
        with pytest.raises(StaleEdit) as refused:
            services.idea_set_status(
                idea=staff.idea,
                by=staff.ben,
                status="accepted",
                message="Yes",
                expected_version=read_at,
            )
    assert refused.value.status_code == 409
    assert refused.value.changed_by == "Anna Moderator"
    assert refused.value.current_version == read_at + 1


# --- moderation ---------------------------------------------------------------------------


def _row(action: str, target, version) -> dict:
    kind = type(target).__name__.lower()
    return {
        "row_action": f"{action}:{kind}:{target.pk}",
        "reason": "House rules",
        f"version-{kind}:{target.pk}": version,
    }


def test_stale_queue_action_is_refused_with_the_queue_as_it_is_now(staff):
    read_at = lock_version_of(staff.idea)
    anna, ben = client_for(staff.anna, staff.city), client_for(staff.ben, staff.city)
    page = ben.get(QUEUE + "?kind=idea")
    assert page.status_code == 200
    assert anna.post(QUEUE, _row("hide", staff.idea, read_at)).status_code == 302
    response = ben.post(QUEUE, _row("dismiss", staff.idea, read_at))
    assert response.status_code == 409
    assert any("Changed by Anna Moderator" in str(m) for m in response.context["messages"])
    assert staff.fresh(staff.idea).status == IdeaStatus.HIDDEN
    assert staff.count(ModerationAction, idea=staff.idea, action="dismiss") == 0


def test_queue_action_without_version_is_a_400(staff):
    client = client_for(staff.anna, staff.city)
    response = client.post(QUEUE, {"row_action": f"hide:idea:{staff.idea.pk}", "reason": "x"})
    assert response.status_code == 400
    assert staff.fresh(staff.idea).status == IdeaStatus.PUBLISHED
    response = client.post(QUEUE, _row("hide", staff.idea, "①"))
    assert response.status_code == 400
    assert staff.fresh(staff.idea).status == IdeaStatus.PUBLISHED


def test_automatic_hiding_makes_a_moderators_page_stale(staff):
    """Reports hide a comment (a rule, no person) after the page was read."""
    read_at = lock_version_of(staff.comment)
    with city_context(staff.city):
        Challenge.objects.filter(pk=staff.challenge.pk).update(report_hide_threshold=1)
        services.report_create(reporter=UserFactory(), reason="Insult", comment=staff.comment)
    client = client_for(staff.anna, staff.city)
    response = client.post(QUEUE, _row("dismiss", staff.comment, read_at))
    assert response.status_code == 409
    assert any("automatic rule" in str(m) for m in response.context["messages"])
    assert staff.fresh(staff.comment).state == Comment.State.HIDDEN


def test_two_concurrent_comment_moderations_one_wins(staff):
    read_at = lock_version_of(staff.comment)
    actions = {"anna": "hide", "ben": "dismiss"}
    posts = [
        lambda who=who: (
            client_for(getattr(staff, who), staff.city)
            .post(QUEUE, _row(actions[who], staff.comment, read_at))
            .status_code
        )
        for who in actions
    ]
    assert parallel(posts) == [302, 409]
    assert staff.count(ModerationAction, comment=staff.comment) == 1


def _moderate(client, path: str, body: dict, **headers):
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_api_moderation_honours_if_match_and_lock_version(staff):
    path = f"/api/v1/moderation/ideas/{staff.idea.pk}/"
    read_at = lock_version_of(staff.idea)
    anna, ben = client_for(staff.anna, staff.city), client_for(staff.ben, staff.city)
    queue = anna.get("/api/v1/moderation/queue/").json()
    assert all("lock_version" in row for row in queue["results"])
    done = _moderate(
        anna, path, {"action": "hide", "reason": "Spam"}, **{"If-Match": f'"{read_at}"'}
    )
    assert done.status_code == 200
    assert done["ETag"] == f'"{read_at + 1}"' == f'"{done.json()["lock_version"]}"'
    refused = _moderate(ben, path, {"action": "restore"}, **{"If-Match": f'"{read_at}"'})
    assert refused.status_code == 412
    assert refused.json()["changed_by"] == "Anna Moderator"
    refused = _moderate(ben, path, {"action": "restore", "lock_version": read_at})
    assert refused.status_code == 409
    assert refused.json()["lock_version"] == read_at + 1
    assert staff.fresh(staff.idea).status == IdeaStatus.HIDDEN
    for hostile in ("\u0661", 1e300, 10**40, "1.0", -1):
        response = _moderate(ben, path, {"action": "restore", "lock_version": hostile})
        assert response.status_code == 400, hostile
    assert staff.fresh(staff.idea).status == IdeaStatus.HIDDEN


def test_api_comment_moderation_with_a_stale_version_is_a_409(staff):
    path = f"/api/v1/moderation/comments/{staff.comment.pk}/"
    read_at = lock_version_of(staff.comment)
    anna, ben = client_for(staff.anna, staff.city), client_for(staff.ben, staff.city)
    assert _moderate(anna, path, {"action": "dismiss", "lock_version": read_at}).status_code == 200
    response = _moderate(ben, path, {"action": "hide", "reason": "x", "lock_version": read_at})
    assert response.status_code == 409
    assert staff.fresh(staff.comment).state == Comment.State.VISIBLE


# --- challenge admin ------------------------------------------------------------------------


def _challenge_path(challenge) -> str:
    return f"/admin/ideas/challenge/{challenge.pk}/change/"


def test_stale_challenge_edit_is_refused(staff):
    path = _challenge_path(staff.challenge)
    admin = client_for(staff.admin, staff.city)
    other = client_for(make_member(staff.city, Role.CITY_ADMIN), staff.city)
    first = change_form_data(admin.get(path))
    second = change_form_data(other.get(path))
    assert admin.post(path, {**first, "title": "First title"}).status_code == 302
    response = other.post(path, {**second, "title": "Second title", "phase": "closed"})
    assert response.status_code == 409
    assert 'id="stale-edit"' in response.content.decode()
    challenge = staff.fresh(staff.challenge)
    assert (challenge.title, challenge.phase) == ("First title", Challenge.Phase.IDEAS)
    del second["lock_version"]
    assert other.post(path, {**second, "phase": "closed"}).status_code == 400
    assert staff.fresh(staff.challenge).phase == Challenge.Phase.IDEAS


def test_two_concurrent_challenge_edits_one_wins(staff):
    path = _challenge_path(staff.challenge)
    clients = [
        client_for(staff.admin, staff.city),
        client_for(make_member(staff.city, Role.CITY_ADMIN), staff.city),
    ]
    forms = [change_form_data(client.get(path)) for client in clients]
    posts = [
        lambda client=client, form=form, n=n: (
            client.post(path, {**form, "title": f"Title {n}"}).status_code
        )
        for n, (client, form) in enumerate(zip(clients, forms, strict=True))
    ]
    assert parallel(posts) == [302, 409]
    assert staff.fresh(staff.challenge).lock_version == forms[0]["lock_version"] + 1


def test_creating_a_challenge_needs_no_version(staff):
    admin = client_for(staff.admin, staff.city)
    data = change_form_data(admin.get("/admin/ideas/challenge/add/"))
    data.update({"title": "New", "slug": "new", "report_hide_threshold": "3"})
    assert admin.post("/admin/ideas/challenge/add/", data).status_code == 302
    with city_context(staff.city):
        assert Challenge.objects.get(slug="new").lock_version == 1
