"""The civil servants' admin for ideas: role permissions, challenge set-up,
read-only content with moderation actions, official answers, the audit
logs, hostile text, and no other city's data."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import (
    Category,
    Challenge,
    Comment,
    District,
    Idea,
    ModerationAction,
    StatusChange,
)
from ideas.status import IdeaStatus
from tests.conftest import client_for, make_member
from tests.factories import UserFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
    SupportFactory,
    challenge_data,
)

pytestmark = pytest.mark.django_db

XSS = '<img src=x onerror=alert(1)><svg/onload=alert(2)>[x](javascript:alert(3))"'
RAW_MARKERS = ("<img src=x", "<svg/onload")
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"

IDEAS = "/admin/ideas/idea/"
COMMENTS = "/admin/ideas/comment/"


def change_url(obj) -> str:
    return f"/admin/ideas/{obj._meta.model_name}/{obj.pk}/change/"


def status_url(idea) -> str:
    return f"/admin/ideas/idea/{idea.pk}/status/"


def answer(idea, status: str, message: str, **extra) -> dict:
    """The official answer form's fields, sent from the idea's current
    version (the form carries it: civicideas.concurrency)."""
    with city_context(idea.city):
        version = Idea.objects.get(pk=idea.pk).lock_version
    return {
        "answer-status": status,
        "answer-message": message,
        "answer-lock_version": version,
        **{f"answer-{key}": value for key, value in extra.items()},
    }


def make_comment(**kwargs) -> Comment:
    comment = CommentFactory(**kwargs)
    Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") + 1)
    return comment


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


class World:
    """Riverton's staff and content, and a lakeside with its own."""

    def __init__(self, riverton, lakeside) -> None:
        self.riverton, self.lakeside = riverton, lakeside
        self.moderator = make_member(riverton, Role.MODERATOR, email="mod@riverton.example")
        self.admin = make_member(riverton, Role.CITY_ADMIN, email="admin@riverton.example")
        self.evaluator = make_member(riverton, Role.EVALUATOR, email="eval@riverton.example")
        self.citizen = make_member(riverton, Role.CITIZEN, email="citizen@riverton.example")
        self.author = make_member(riverton, Role.CITIZEN, email="author@riverton.example")
        self.lakeside_moderator = make_member(lakeside, Role.MODERATOR)
        with city_context(riverton):
            self.category = CategoryFactory(name="Parks", slug="parks")
            self.district = DistrictFactory(name="Old town", slug="old-town")
            self.challenge = ChallengeFactory(title="Greener Riverton", slug="greener")
            self.idea = IdeaFactory(
                challenge=self.challenge,
                author=self.author,
                title="Trees on Main Street",
                category=self.category,
                district=self.district,
            )
            self.original = IdeaFactory(challenge=self.challenge, title="Plant trees downtown")
            self.pending = IdeaFactory(
                challenge=self.challenge, status=IdeaStatus.PENDING, title="Pending bench idea"
            )
            self.hidden = IdeaFactory(
                challenge=self.challenge,
                status=IdeaStatus.HIDDEN,
                status_before_hidden=IdeaStatus.PUBLISHED,
                hidden_reason="Spam",
                title="Hidden spam idea",
            )
            self.comment = make_comment(idea=self.idea, body="A riverton comment")
            self.supporters = [SupportFactory(idea=self.idea).user for _ in range(2)]
            Idea.objects.filter(pk=self.idea.pk).update(support_count=2)
        with city_context(lakeside):
            self.lakeside_category = CategoryFactory(name="Lakeside parks", slug="parks")
            self.lakeside_district = DistrictFactory(name="Lakeside harbour", slug="harbour")
            self.lakeside_idea = IdeaFactory(title="Lakeside secret idea")
            self.lakeside_comment = make_comment(
                idea=self.lakeside_idea, body="Lakeside secret comment"
            )

    def client(self, user) -> Client:
        return client_for(user, self.riverton)

    def fresh(self, obj):
        with city_context(self.riverton):
            return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def world(city, other_city) -> World:
    return World(city, other_city)


def no_lakeside(body: str) -> bool:
    return "Lakeside" not in body and "lakeside" not in body


# --- role permissions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (
            Role.MODERATOR,
            [
                "ideas.view_idea",
                "ideas.view_comment",
                "ideas.view_report",
                "ideas.view_moderationaction",
                "ideas.view_statuschange",
            ],
            ["ideas.change_idea", "ideas.add_challenge", "ideas.change_category"],
        ),
        (
            Role.CITY_ADMIN,
            [
                "ideas.view_moderationaction",
                "ideas.add_challenge",
                "ideas.change_challenge",
                "ideas.add_category",
                "ideas.delete_district",
            ],
            ["ideas.change_idea", "ideas.delete_idea", "ideas.change_comment"],
        ),
        (
            Role.EVALUATOR,
            ["ideas.view_idea", "ideas.view_statuschange"],
            ["ideas.view_comment", "ideas.view_report", "ideas.view_moderationaction"],
        ),
        (Role.CITIZEN, [], ["ideas.view_idea"]),
    ],
)
def test_role_permissions(city, role, granted, refused):
    user = make_member(city, role)
    with city_context(city):
        for perm in granted:
            assert user.has_perm(perm), perm
        for perm in refused:
            assert not user.has_perm(perm), perm


def test_roles_grant_nothing_in_another_city(world):
    with city_context(world.lakeside):
        assert not world.moderator.has_perm("ideas.view_idea")


# --- change lists ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        (IDEAS, "Trees on Main Street"),
        (COMMENTS, "A riverton comment"),
        ("/admin/ideas/challenge/", "Greener Riverton"),
        ("/admin/ideas/category/", "Parks"),
        ("/admin/ideas/district/", "Old town"),
        ("/admin/ideas/statuschange/", ""),
        ("/admin/ideas/moderationaction/", ""),
        ("/admin/ideas/report/", ""),
    ],
)
@pytest.mark.parametrize("who", ["moderator", "admin"])
def test_staff_changelists_show_their_city_only(world, path, marker, who):
    response = world.client(getattr(world, who)).get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert marker in body
    assert no_lakeside(body)


@pytest.mark.parametrize(
    "query",
    [
        {"status__exact": "pending"},
        {"reported": "yes"},
        {"challenge__id__exact": "CHALLENGE"},
        {"category__id__exact": "CATEGORY"},
        {"district__id__exact": "DISTRICT"},
        {"q": "Main Street"},
    ],
)
def test_idea_changelist_filters(world, query):
    with city_context(world.riverton):
        services.report_create(reporter=world.citizen, reason="Spam", idea=world.idea)
    ids = {
        "CHALLENGE": world.challenge.pk,
        "CATEGORY": world.category.pk,
        "DISTRICT": world.district.pk,
    }
    query = {k: ids.get(v, v) for k, v in query.items()}
    response = world.client(world.moderator).get(IDEAS, query)
    assert response.status_code == 200
    shown = {idea.pk for idea in response.context["cl"].result_list}
    if "status__exact" in query:
        expected = {world.pending.pk}
    elif "challenge__id__exact" in query:
        expected = {world.idea.pk, world.original.pk, world.pending.pk, world.hidden.pk}
    else:
        expected = {world.idea.pk}
    assert shown == expected


def test_idea_changelist_filter_choices_are_this_citys(world):
    body = world.client(world.moderator).get(IDEAS).content.decode()
    assert "Parks" in body and "Old town" in body
    assert no_lakeside(body)


def test_idea_changelist_query_count_does_not_grow_with_rows(world):
    client = world.client(world.moderator)
    client.get(IDEAS)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(IDEAS).status_code == 200
        return len(queries)

    few = count()
    with city_context(world.riverton):
        for _ in range(30):
            IdeaFactory(challenge=world.challenge, category=world.category, district=world.district)
    assert count() == few


def test_evaluator_sees_public_ideas_only_and_no_moderation(world):
    client = world.client(world.evaluator)
    response = client.get(IDEAS)
    assert response.status_code == 200
    shown = {idea.pk for idea in response.context["cl"].result_list}
    assert shown == {world.idea.pk, world.original.pk}
    assert client.get(change_url(world.hidden)).status_code == 404
    assert client.get(change_url(world.idea)).status_code == 200
    for path in (COMMENTS, "/admin/ideas/report/", "/admin/ideas/moderationaction/"):
        assert client.get(path).status_code == 403
    assert "hide_ideas" not in response.content.decode()
    assert client.get(status_url(world.idea)).status_code == 403


# --- the idea page: read-only, with actions and the official answer -----------------


def test_idea_change_view_is_read_only(world):
    client = world.client(world.moderator)
    response = client.get(change_url(world.idea))
    assert response.status_code == 200
    body = response.content.decode()
    for field in ("status", "support_count", "author", "title", "shuffle_key"):
        assert f'name="{field}"' not in body
    assert "search_vector" not in body
    response = client.post(change_url(world.idea), {"title": "Changed", "status": "accepted"})
    assert response.status_code == 403
    idea = world.fresh(world.idea)
    assert (idea.title, idea.status) == ("Trees on Main Street", IdeaStatus.PUBLISHED)


@pytest.mark.parametrize("path", ["/admin/ideas/idea/add/", "/admin/ideas/comment/add/"])
def test_content_cannot_be_added_in_the_admin(world, path):
    assert world.client(world.admin).get(path).status_code == 403


def test_idea_change_view_shows_timeline_moderation_log_and_reports(world):
    with city_context(world.riverton):
        services.report_create(reporter=world.citizen, reason="Looks like spam", idea=world.idea)
        services.idea_moderate(
            idea=world.idea, moderator=world.moderator, action="dismiss", reason="Fine"
        )
        services.idea_set_status(
            idea=world.idea, by=world.moderator, status="under_evaluation", message="We look"
        )
    body = world.client(world.moderator).get(change_url(world.idea)).content.decode()
    assert "status timeline" in body.lower()
    assert "We look" in body
    assert "moderation log" in body.lower()
    assert "Looks like spam" in body
    assert "Reports dismissed" in body


def test_status_form_offers_only_allowed_transitions(world):
    response = world.client(world.moderator).get(change_url(world.idea))
    form = response.context["status_form"]
    assert [value for value, _label in form.fields["status"].choices] == [
        "under_evaluation",
        "accepted",
        "rejected",
        "duplicate",
    ]
    response = world.client(world.moderator).get(change_url(world.hidden))
    assert not response.context["status_form"].has_choices
    assert "No official answer can follow" in response.content.decode()


def test_official_answer_changes_status_and_notifies(world):
    response = world.client(world.moderator).post(
        status_url(world.idea),
        answer(world.idea, "accepted", "We will plant them in spring."),
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(change_url(world.idea))
    assert any("now “Accepted”" in m for m in messages_of(response))
    idea = world.fresh(world.idea)
    assert idea.status == IdeaStatus.ACCEPTED
    with city_context(world.riverton):
        change = StatusChange.objects.get(idea=idea, to_status="accepted")
        recipients = set(
            Notification.objects.filter(kind="idea_status_changed").values_list(
                "recipient_id", flat=True
            )
        )
    assert change.is_official and change.message == "We will plant them in spring."
    assert change.changed_by == world.moderator
    assert recipients == {world.author.pk, *(u.pk for u in world.supporters)}
    assert LogEntry.objects.filter(object_id=str(idea.pk), user=world.moderator).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"answer-status": "accepted", "answer-message": ""}, "This field is required"),
        ({"answer-status": "accepted", "answer-message": "   "}, "This field is required"),
        ({"answer-status": "implemented", "answer-message": "Done"}, "Select a valid choice"),
        ({"answer-status": "hidden", "answer-message": "Bye"}, "Select a valid choice"),
        ({"answer-status": "duplicate", "answer-message": "See other"}, "Choose the original"),
        ({"answer-status": "accepted", "answer-message": "Bad \x00 byte"}, "not allowed"),
    ],
)
def test_official_answer_errors_change_nothing(world, data, error):
    data = {**data, "answer-lock_version": world.idea.lock_version}
    response = world.client(world.moderator).post(status_url(world.idea), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert world.fresh(world.idea).status == IdeaStatus.PUBLISHED
    with city_context(world.riverton):
        assert not StatusChange.objects.filter(idea=world.idea).exists()
        assert not Notification.objects.filter(kind="idea_status_changed").exists()


def test_duplicate_points_to_a_public_idea_of_this_city(world):
    client = world.client(world.moderator)
    for original in (world.lakeside_idea, world.hidden, world.idea):
        response = client.post(
            status_url(world.idea),
            answer(world.idea, "duplicate", "Same as another", duplicate_of=original.pk),
        )
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    response = client.post(
        status_url(world.idea),
        answer(world.idea, "duplicate", "Same as another", duplicate_of=world.original.pk),
    )
    assert response.status_code == 302
    idea = world.fresh(world.idea)
    assert (idea.status, idea.duplicate_of_id) == (IdeaStatus.DUPLICATE, world.original.pk)


def test_duplicate_autocomplete_offers_public_ideas_of_this_city(world):
    response = world.client(world.moderator).get(
        "/admin/autocomplete/",
        {"app_label": "ideas", "model_name": "idea", "field_name": "duplicate_of", "term": ""},
    )
    assert response.status_code == 200
    ids = {int(r["id"]) for r in json.loads(response.content)["results"]}
    assert ids == {world.idea.pk, world.original.pk}


def test_service_refusal_is_a_form_error_not_a_500(world):
    """The idea changed between loading the form and sending it: since
    forms carry the version they were read at, that is a 409 conflict
    (it was a 400 from the transition rule before)."""
    client = world.client(world.moderator)
    stale = answer(world.idea, "accepted", "Yes after all")
    client.post(status_url(world.idea), answer(world.idea, "rejected", "No"))
    response = client.post(status_url(world.idea), stale)
    assert response.status_code == 409
    assert world.fresh(world.idea).status == IdeaStatus.REJECTED


def test_status_page_get_renders_the_form(world):
    response = world.client(world.admin).get(status_url(world.idea))
    assert response.status_code == 200
    assert 'name="answer-message"' in response.content.decode()


# --- admin actions (change list and change form) -----------------------------------------


def run_action(client, path, action, ids, reason="", prefix=""):
    data = {f"{prefix}action": action, "_selected_action": [str(i) for i in ids], "index": 0}
    if reason is not None:
        data[f"{prefix}reason"] = reason
    return client.post(path, data, follow=True)


def test_changelist_hide_action_with_reason(world):
    response = run_action(
        world.client(world.moderator), IDEAS, "hide_ideas", [world.idea.pk], "Off topic"
    )
    assert "Hidden: 1 item." in messages_of(response)
    idea = world.fresh(world.idea)
    assert (idea.status, idea.hidden_reason) == (IdeaStatus.HIDDEN, "Off topic")
    with city_context(world.riverton):
        logged = ModerationAction.objects.get(idea=idea)
        assert (logged.action, logged.moderator, logged.reason) == (
            "hide",
            world.moderator,
            "Off topic",
        )
    assert LogEntry.objects.filter(object_id=str(idea.pk), change_message__contains="Off topic")


def test_changelist_hide_without_reason_changes_nothing(world):
    response = run_action(
        world.client(world.moderator), IDEAS, "hide_ideas", [world.idea.pk, world.original.pk]
    )
    assert any("Give the reason" in m for m in messages_of(response))
    assert world.fresh(world.idea).status == IdeaStatus.PUBLISHED
    assert world.fresh(world.original).status == IdeaStatus.PUBLISHED
    with city_context(world.riverton):
        assert not ModerationAction.objects.exists()


def test_changelist_approve_and_restore(world):
    client = world.client(world.moderator)
    run_action(client, IDEAS, "approve_ideas", [world.pending.pk])
    run_action(client, IDEAS, "restore_ideas", [world.hidden.pk])
    assert world.fresh(world.pending).status == IdeaStatus.PUBLISHED
    hidden = world.fresh(world.hidden)
    assert (hidden.status, hidden.hidden_reason) == (IdeaStatus.PUBLISHED, "")


def test_change_form_action_hides_one_idea(world):
    client = world.client(world.moderator)
    page = client.get(change_url(world.idea)).content.decode()
    assert 'name="CHANGE_FORM-action"' in page and 'name="CHANGE_FORM-reason"' in page
    run_action(
        client,
        change_url(world.idea),
        "hide_ideas",
        [world.idea.pk],
        "Duplicate spam",
        "CHANGE_FORM-",
    )
    idea = world.fresh(world.idea)
    assert (idea.status, idea.hidden_reason) == (IdeaStatus.HIDDEN, "Duplicate spam")


def test_comment_actions(world):
    client = world.client(world.moderator)
    run_action(client, COMMENTS, "hide_comments", [world.comment.pk], "Insult")
    comment = world.fresh(world.comment)
    assert (comment.state, comment.hidden_reason) == (Comment.State.HIDDEN, "Insult")
    assert world.fresh(world.idea).comment_count == 0
    run_action(client, COMMENTS, "restore_comments", [world.comment.pk])
    assert world.fresh(world.comment).state == Comment.State.VISIBLE
    assert world.fresh(world.idea).comment_count == 1


def test_action_on_an_id_of_another_city_changes_nothing(world):
    run_action(world.client(world.moderator), IDEAS, "hide_ideas", [world.lakeside_idea.pk], "x")
    with city_context(world.lakeside):
        assert Idea.objects.get(pk=world.lakeside_idea.pk).status == IdeaStatus.PUBLISHED


@pytest.mark.parametrize("who", ["citizen", "anonymous", "lakeside_moderator"])
def test_non_staff_cannot_run_actions_or_answer(world, who):
    client = (
        Client(HTTP_HOST="riverton.localhost")
        if who == "anonymous"
        else world.client(getattr(world, who))
    )
    for response in (
        client.post(
            IDEAS, {"action": "hide_ideas", "_selected_action": [world.idea.pk], "reason": "x"}
        ),
        client.post(status_url(world.idea), answer(world.idea, "accepted", "x")),
        client.get(change_url(world.idea)),
    ):
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    assert world.fresh(world.idea).status == IdeaStatus.PUBLISHED


def test_evaluator_cannot_run_moderation_actions(world):
    response = run_action(world.client(world.evaluator), IDEAS, "hide_ideas", [world.idea.pk], "x")
    assert response.status_code == 200
    assert world.fresh(world.idea).status == IdeaStatus.PUBLISHED


# --- another city's moderator on their own host --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/ideas/idea/{idea}/change/",
        "/admin/ideas/idea/{idea}/status/",
        "/admin/ideas/idea/{idea}/history/",
        "/admin/ideas/comment/{comment}/change/",
    ],
)
def test_other_citys_ids_are_not_found(world, path):
    client = client_for(world.lakeside_moderator, world.lakeside)
    url = path.format(idea=world.idea.pk, comment=world.comment.pk)
    response = client.get(url)
    assert response.status_code == 404
    assert "Trees on Main Street" not in response.content.decode()
    response = client.post(
        f"/admin/ideas/idea/{world.idea.pk}/status/",
        answer(world.idea, "accepted", "x"),
    )
    assert response.status_code == 404
    assert world.fresh(world.idea).status == IdeaStatus.PUBLISHED


def test_missing_id_is_a_404_too(world):
    response = world.client(world.moderator).get("/admin/ideas/idea/99999999/change/")
    assert response.status_code == 404


# --- challenges, categories, districts -----------------------------------------------------


def test_city_admin_creates_a_challenge(world):
    response = world.client(world.admin).post(
        "/admin/ideas/challenge/add/",
        challenge_data(
            categories=[world.category.pk],
            districts=[world.district.pk],
            premoderation="on",
            max_ideas_per_person="2",
            report_hide_threshold="5",
            ideas_deadline_0="2026-05-01",
            ideas_deadline_1="12:00:00",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    with city_context(world.riverton):
        challenge = Challenge.objects.get(slug="safer-streets")
        assert challenge.city == world.riverton
        assert list(challenge.categories.all()) == [world.category]
        assert list(challenge.districts.all()) == [world.district]
        assert challenge.premoderation and challenge.supports_enabled
        assert (challenge.max_ideas_per_person, challenge.report_hide_threshold) == (2, 5)
        assert challenge.ideas_deadline is not None


def test_challenge_form_offers_only_this_citys_categories_and_districts(world):
    response = world.client(world.admin).get("/admin/ideas/challenge/add/")
    form = response.context["adminform"].form
    with city_context(world.riverton):
        assert set(form.fields["categories"].queryset) == {world.category}
        assert set(form.fields["districts"].queryset) == {world.district}
    assert no_lakeside(response.content.decode())
    response = world.client(world.admin).post(
        "/admin/ideas/challenge/add/",
        challenge_data(
            categories=[world.lakeside_category.pk], districts=[world.lakeside_district.pk]
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "categories" in errors and "districts" in errors
    with city_context(world.riverton):
        assert not Challenge.objects.filter(slug="safer-streets").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"slug": "greener"}, "slug"),
        ({"report_hide_threshold": "0"}, "report_hide_threshold"),
        (
            {
                "ideas_open_from_0": "2026-06-01",
                "ideas_open_from_1": "00:00:00",
                "ideas_deadline_0": "2026-05-01",
                "ideas_deadline_1": "00:00:00",
            },
            "ideas_deadline",
        ),
    ],
)
def test_challenge_form_errors_are_form_errors(world, overrides, field):
    response = world.client(world.admin).post(
        "/admin/ideas/challenge/add/", challenge_data(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_same_slug_may_be_used_by_another_city(world):
    response = world.client(world.admin).post(
        "/admin/ideas/category/add/", {"name": "Harbour", "slug": "harbour"}
    )
    assert response.status_code == 302
    response = world.client(world.admin).post(
        "/admin/ideas/category/add/", {"name": "Parks again", "slug": "parks"}
    )
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors


def test_city_admin_edits_challenge_settings(world):
    response = world.client(world.admin).post(
        change_url(world.challenge),
        challenge_data(
            world.challenge,
            title="Greener Riverton",
            slug="greener",
            phase="supports",
            report_hide_threshold="4",
            supports_enabled="",
        ),
    )
    assert response.status_code == 302
    challenge = world.fresh(world.challenge)
    assert (challenge.phase, challenge.report_hide_threshold) == ("supports", 4)
    assert not challenge.supports_enabled


@pytest.mark.parametrize("path", ["/admin/ideas/challenge/add/", "/admin/ideas/category/add/"])
def test_moderators_cannot_set_up_challenges(world, path):
    assert world.client(world.moderator).get(path).status_code == 403
    response = world.client(world.moderator).get("/admin/ideas/challenge/")
    assert response.status_code == 200


def test_lakeside_admin_cannot_edit_riverton_challenge(world, other_city):
    lakeside_admin = make_member(other_city, Role.CITY_ADMIN)
    client = client_for(lakeside_admin, other_city)
    assert client.get(change_url(world.challenge)).status_code == 404
    response = client.post(change_url(world.challenge), challenge_data(slug="greener"))
    assert response.status_code == 404
    with city_context(world.riverton):
        assert Category.objects.count() == 1 and District.objects.count() == 1


# --- logs --------------------------------------------------------------------------------


def test_moderation_log_and_timeline_are_visible_read_only(world):
    with city_context(world.riverton):
        services.idea_moderate(
            idea=world.pending, moderator=world.moderator, action="approve", reason=""
        )
        services.idea_set_status(
            idea=world.idea, by=world.admin, status="accepted", message="Yes, we will"
        )
        action = ModerationAction.objects.get()
        change = StatusChange.objects.get(is_official=True)
    client = world.client(world.moderator)
    log = client.get("/admin/ideas/moderationaction/").content.decode()
    assert "Approved" in log and "Pending bench idea" in log and "mod@riverton.example" in log
    timeline = client.get("/admin/ideas/statuschange/").content.decode()
    assert "Yes, we will" in timeline
    for obj in (action, change):
        assert client.get(change_url(obj)).status_code == 200
        assert client.post(change_url(obj), {}).status_code == 403
        assert client.get(change_url(obj).removesuffix("change/") + "delete/").status_code == 403


def test_evaluator_sees_the_public_timeline_only(world):
    with city_context(world.riverton):
        services.idea_moderate(
            idea=world.idea, moderator=world.moderator, action="hide", reason="Secret why"
        )
        services.idea_moderate(
            idea=world.idea, moderator=world.moderator, action="restore", reason=""
        )
    body = world.client(world.evaluator).get("/admin/ideas/statuschange/").content.decode()
    assert "Secret why" not in body


# --- hostile text ------------------------------------------------------------------------


def test_hostile_text_is_escaped_in_admin_lists_and_pages(world):
    reporter = UserFactory()
    with city_context(world.riverton):
        idea = IdeaFactory(challenge=world.challenge, title=XSS[:150], body=XSS)
        comment = make_comment(idea=idea, body=XSS)
        services.report_create(reporter=reporter, reason=XSS, idea=idea)
        services.report_create(reporter=reporter, reason=XSS, comment=comment)
    client = world.client(world.moderator)
    pages = [
        IDEAS,
        change_url(idea),
        status_url(idea),
        COMMENTS,
        change_url(comment),
        "/admin/ideas/report/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        for marker in RAW_MARKERS:
            assert marker not in body, path
        assert ESCAPED in body, path
    # A failed action's message quotes the title: escaped too.
    response = run_action(client, IDEAS, "approve_ideas", [idea.pk])
    body = response.content.decode()
    assert "Only ideas awaiting moderation" in body
    for marker in RAW_MARKERS:
        assert marker not in body
    # The hide reason given by a moderator is text too.
    run_action(client, IDEAS, "hide_ideas", [idea.pk], XSS)
    body = client.get("/admin/ideas/moderationaction/").content.decode()
    assert ESCAPED in body and "<img src=x" not in body


# --- concurrency and the platform host -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_official_answers_give_one_answer(city):
    moderators = [make_member(city, Role.MODERATOR) for _ in range(2)]
    with city_context(city):
        idea = IdeaFactory()

    forms = {status: answer(idea, status, "Decided") for status in ("accepted", "rejected")}

    def post(pair):
        user, status = pair
        try:
            return client_for(user, city).post(status_url(idea), forms[status]).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(pool.map(post, zip(moderators, ["accepted", "rejected"], strict=True)))
    # Both forms were read at one version: the second is stale (409; it was
    # a 400 from the transition rule before forms carried the version).
    assert codes == [302, 409]
    with city_context(city):
        assert StatusChange.objects.filter(idea=idea, is_official=True).count() == 1


def test_platform_superuser_can_moderate_any_city(world):
    root = UserFactory(email="root@platform.example", is_superuser=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(root)
    run_action(client, IDEAS, "hide_ideas", [world.idea.pk], "Platform decision")
    assert world.fresh(world.idea).status == IdeaStatus.HIDDEN
    response = client.post(status_url(world.original), answer(world.original, "accepted", "Yes"))
    assert response.status_code == 302
    assert world.fresh(world.original).status == IdeaStatus.ACCEPTED
