"""The moderation queue: pending and reported ideas and comments in one
list, oldest first, handled one by one or in bulk through the services."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Challenge, Comment, Idea, ModerationAction, Report
from ideas.moderation import (
    moderation_queue,
    moderation_queue_size,
    queue_items,
    queue_page_rows,
    reasons_query,
)
from ideas.status import IdeaStatus
from tests.conftest import client_for, make_member
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/ideas/idea/moderation/"


def shown(*targets) -> dict:
    """The hidden versions the queue page carries for these rows
    (``version-idea:12``), as the page read now would send them."""
    data = {}
    for target in targets:
        with city_context(target.city):
            fresh = type(target).objects.get(pk=target.pk)
        data[f"version-{type(target).__name__.lower()}:{target.pk}"] = fresh.lock_version
    return data


XSS = '<img src=x onerror=alert(1)><svg/onload=alert(2)>"'
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_comment(**kwargs) -> Comment:
    """A visible comment with its idea's counter kept right (the factory
    writes the row only; hiding it decrements the counter)."""
    comment = CommentFactory(**kwargs)
    Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") + 1)
    return comment


def report(target, reason: str = "Offensive", reporter=None):
    kwargs = {"idea": target} if isinstance(target, Idea) else {"comment": target}
    return services.report_create(reporter=reporter or UserFactory(), reason=reason, **kwargs)


class Queue:
    """Riverton with one of each kind of queue entry, created in a known
    order, plus content that must stay out of the queue."""

    def __init__(self, city) -> None:
        self.city = city
        self.moderator = make_member(city, Role.MODERATOR)
        with city_context(city):
            self.challenge = ChallengeFactory(report_hide_threshold=5)
            with time_machine.travel(T0, tick=False):
                self.pending = IdeaFactory(challenge=self.challenge, status=IdeaStatus.PENDING)
                self.quiet = IdeaFactory(challenge=self.challenge, title="Nobody minds this")
                self.reported_idea = IdeaFactory(challenge=self.challenge)
                self.comment = make_comment(idea=self.quiet, body="Rude words")
                self.handled = IdeaFactory(challenge=self.challenge, title="Handled before")
            with time_machine.travel(T0 + timedelta(hours=1), tick=False):
                report(self.comment, "Insults a neighbour")
            with time_machine.travel(T0 + timedelta(hours=2), tick=False):
                report(self.reported_idea, "Spam link")
                report(self.reported_idea, "Advertising")
                report(self.handled, "Wrong")
            services.idea_moderate(
                idea=self.handled, moderator=self.moderator, action="dismiss", reason=""
            )

    def client(self, user=None):
        return client_for(user or self.moderator, self.city)

    def refresh(self, obj):
        with city_context(self.city):
            return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def queue(city) -> Queue:
    return Queue(city)


# --- the selector ---------------------------------------------------------------


def test_queue_has_pending_and_reported_content_oldest_first(queue):
    with city_context(queue.city):
        items = queue_items(list(moderation_queue()))
    assert [(i.kind, i.pk) for i in items] == [
        ("idea", queue.pending.pk),
        ("comment", queue.comment.pk),
        ("idea", queue.reported_idea.pk),
    ]
    pending, comment, idea = items
    assert pending.open_reports == 0 and pending.reasons == []
    assert pending.actions == ["approve", "hide"]
    assert comment.open_reports == 1
    assert [r.reason for r in comment.reasons] == ["Insults a neighbour"]
    assert comment.idea_title == "Nobody minds this"
    assert idea.open_reports == 2
    assert [r.reason for r in idea.reasons] == ["Spam link", "Advertising"]
    assert idea.actions == ["dismiss", "hide"]


def test_queue_filters_by_kind(queue):
    with city_context(queue.city):
        assert [r["q_id"] for r in moderation_queue(kind="comment")] == [queue.comment.pk]
        assert {r["q_id"] for r in moderation_queue(kind="idea")} == {
            queue.pending.pk,
            queue.reported_idea.pk,
        }


@pytest.mark.parametrize("kind", [None, "idea", "comment"])
def test_queue_size_counts_the_rows_it_lists(queue, kind):
    """The page's total is counted on ids only (issue 17): it must agree
    with the rows listed."""
    with city_context(queue.city):
        report(IdeaFactory(challenge=queue.challenge), "Spam")
        assert moderation_queue_size(kind=kind) == len(list(moderation_queue(kind=kind)))
        assert moderation_queue_size() == 4


def test_queue_read_up_to_a_page_has_that_pages_rows(queue):
    """``first`` stops each part early (issue 17): the rows up to there are
    the full queue's, whatever part they come from."""
    with city_context(queue.city):
        with time_machine.travel(T0 - timedelta(hours=1), tick=False):
            IdeaFactory(challenge=queue.challenge, status=IdeaStatus.PENDING)
        with time_machine.travel(T0 + timedelta(hours=3), tick=False):
            report(make_comment(idea=queue.quiet, body="Late"), "Rude")
        full = [(r["q_kind"], r["q_id"]) for r in moderation_queue()]
        assert len(full) == 5
        for size in (1, 2, 3):
            for bottom in range(0, len(full), size):
                top = min(bottom + size, len(full))
                rows = moderation_queue(first=top)[bottom:top]
                assert [(r["q_kind"], r["q_id"]) for r in rows] == full[bottom:top]


def _more_of_everything(queue) -> None:
    """Reported comments and ideas (hidden and deleted too) and pending
    ideas, so every part of the queue and every column has values."""
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        for n in range(3):
            idea = IdeaFactory(challenge=queue.challenge, title=f"Idea {n}")
            report(idea, f"idea reason {n}")
            report(make_comment(idea=idea, body=f"Comment {n}"), f"comment reason {n}")
            IdeaFactory(challenge=queue.challenge, status=IdeaStatus.PENDING)
        services.idea_moderate(
            idea=idea, moderator=queue.moderator, action="hide", reason="Off topic"
        )


@pytest.mark.parametrize("kind", [None, "idea", "comment"])
def test_queue_page_rows_are_the_querysets_rows(queue, kind):
    """A page is read from SQL compiled once per process (issue 17): its
    rows are exactly the queryset's, columns and types alike, for every
    kind and slice."""
    with city_context(queue.city):
        _more_of_everything(queue)
        full = list(moderation_queue(kind=kind))
        assert len(full) >= 4
        for size in (1, 2, 50):
            for bottom in range(0, len(full), size):
                top = min(bottom + size, len(full))
                expected = list(moderation_queue(kind=kind, first=top)[bottom:top])
                rows = queue_page_rows(kind=kind, bottom=bottom, top=top)
                assert rows == expected == full[bottom:top]
                assert [[type(v) for v in r.values()] for r in rows] == [
                    [type(v) for v in r.values()] for r in expected
                ]
        assert queue_page_rows(kind=kind, bottom=3, top=3) == []


@pytest.mark.parametrize("kind", [None, "idea", "comment"])
def test_report_reasons_are_the_first_five_of_each_row(queue, kind):
    """The reasons' query is compiled once with the ids as two array
    parameters (issue 17): the same reasons as the query with the lists,
    at most ``REASONS_PER_ITEM`` per row, oldest first, with either list
    empty."""
    with city_context(queue.city):
        # Enough reports to pass five, none hiding anything automatically.
        Challenge.objects.filter(pk=queue.challenge.pk).update(report_hide_threshold=100)
        with time_machine.travel(T0 + timedelta(hours=3), tick=True):
            for n in range(5):
                report(queue.reported_idea, f"More {n}")
                report(queue.comment, f"Also {n}")
        items = queue_items(queue_page_rows(kind=kind, bottom=0, top=50))
        ideas = [i.pk for i in items if i.kind == "idea" and i.open_reports]
        comments = [i.pk for i in items if i.kind == "comment"]
        expected = list(reasons_query(ideas, comments))
    shown = {i.key: [r.reason for r in i.reasons] for i in items}
    if kind != "comment":
        assert shown[f"idea:{queue.reported_idea.pk}"] == [
            "Spam link",
            "Advertising",
            "More 0",
            "More 1",
            "More 2",
        ]
        assert shown[f"idea:{queue.pending.pk}"] == []
    if kind != "idea":
        assert shown[f"comment:{queue.comment.pk}"] == [
            "Insults a neighbour",
            *(f"Also {n}" for n in range(4)),
        ]
    assert sorted(r.reason for i in items for r in i.reasons) == sorted(r[2] for r in expected)


def test_compiled_queue_is_per_city_and_per_scope(queue, other_city):
    """The compiled page and total are kept per tenant scope: the same page
    asked for in another city, or by the platform admin, is that scope's."""
    with city_context(other_city):
        lakeside = IdeaFactory(status=IdeaStatus.PENDING, title="Lakeside pending")
    riverton = {("idea", queue.pending.pk), ("comment", queue.comment.pk)}
    riverton.add(("idea", queue.reported_idea.pk))
    for _ in range(2):  # the second time from the kept SQL
        with city_context(queue.city):
            rows = queue_page_rows(bottom=0, top=50)
            assert {(r["q_kind"], r["q_id"]) for r in rows} == riverton
            assert moderation_queue_size() == 3
        with city_context(other_city):
            rows = queue_page_rows(bottom=0, top=50)
            assert [(r["q_kind"], r["q_id"]) for r in rows] == [("idea", lakeside.pk)]
            assert moderation_queue_size() == 1
        with all_cities_context():
            rows = queue_page_rows(bottom=0, top=50)
            assert {(r["q_kind"], r["q_id"]) for r in rows} == riverton | {("idea", lakeside.pk)}
            assert moderation_queue_size() == 4


def test_hidden_idea_leaves_the_queue_once_its_reports_are_resolved(queue):
    with city_context(queue.city):
        services.idea_moderate(
            idea=queue.reported_idea, moderator=queue.moderator, action="hide", reason="Spam"
        )
        keys = [(r["q_kind"], r["q_id"]) for r in moderation_queue()]
    assert ("idea", queue.reported_idea.pk) not in keys


def test_auto_hidden_comment_waits_in_the_queue_for_review(city):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        comment = make_comment(idea__challenge__report_hide_threshold=1)
        report(comment, "Threat")
        [item] = queue_items(list(moderation_queue()))
    assert item.kind == "comment" and item.is_hidden
    assert item.actions == ["restore", "dismiss"]
    response = client_for(moderator, city).get(QUEUE)
    assert "Hidden automatically" in response.content.decode()


def test_queue_is_per_city(queue, other_city):
    with city_context(other_city):
        IdeaFactory(status=IdeaStatus.PENDING, title="Lakeside pending")
        assert [r["q_id"] for r in moderation_queue()] != []
    with city_context(queue.city):
        titles = [r["q_text"] for r in moderation_queue()]
    assert "Lakeside pending" not in titles


# --- the page ------------------------------------------------------------------


def test_queue_page_lists_items_with_reasons_and_counts(queue):
    response = queue.client().get(QUEUE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 items wait for a moderator" in body
    for text in ("Spam link", "Advertising", "Insults a neighbour", "Rude words"):
        assert text in body
    assert f'value="approve:idea:{queue.pending.pk}"' in body
    assert f'value="dismiss:comment:{queue.comment.pk}"' in body
    assert "Nobody minds this" in body  # the commented idea, as context
    assert "Handled before" not in body
    assert body.index(f"item-idea-{queue.pending.pk}") < body.index(
        f"item-comment-{queue.comment.pk}"
    )


def test_app_index_links_to_the_queue(queue):
    response = queue.client().get("/admin/ideas/")
    assert QUEUE in response.content.decode()
    response = queue.client().get("/admin/ideas/idea/")
    assert QUEUE in response.content.decode()


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(queries)


def test_queue_query_count_does_not_grow_with_rows(queue):
    client = queue.client()
    client.get(QUEUE)  # warm up: the first request loads per-process caches
    few = _queue_queries(client)
    with city_context(queue.city):
        for n in range(20):
            idea = IdeaFactory(challenge=queue.challenge)
            report(idea, f"reason {n}a")
            report(idea, f"reason {n}b")
            report(make_comment(idea=idea), f"comment reason {n}")
            IdeaFactory(challenge=queue.challenge, status=IdeaStatus.PENDING)
    many = _queue_queries(client)
    assert many == few, "\n".join(q["sql"][:150] for q in connection.queries)
    assert many <= 12


def test_queue_is_paginated(city):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        challenge = ChallengeFactory()
        for _ in range(53):
            IdeaFactory(challenge=challenge, status=IdeaStatus.PENDING)
    client = client_for(moderator, city)
    first = client.get(QUEUE).content.decode()
    second = client.get(QUEUE, {"page": 2}).content.decode()
    assert first.count('name="items"') == 50
    assert second.count('name="items"') == 3
    assert "Page 2 of 2" in second


def test_hostile_text_is_escaped_in_the_queue(city):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        idea = IdeaFactory(title=XSS, body=XSS)
        report(idea, XSS)
        report(make_comment(idea=idea, body=XSS), XSS)
    body = client_for(moderator, city).get(QUEUE).content.decode()
    assert "<img src=x" not in body
    assert "<svg/onload" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


# --- who may use it ----------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.CITIZEN])
def test_anonymous_and_citizens_are_sent_to_login(queue, role):
    client = queue.client(make_member(queue.city, role)) if role else queue.client()
    if role is None:
        client.logout()
    for response in (
        client.get(QUEUE),
        client.post(QUEUE, {"row_action": f"approve:idea:{queue.pending.pk}"}),
    ):
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    assert queue.refresh(queue.pending).status == IdeaStatus.PENDING


def test_evaluator_is_refused(queue):
    client = queue.client(make_member(queue.city, Role.EVALUATOR))
    assert client.get(QUEUE).status_code == 403
    response = client.post(QUEUE, {"row_action": f"approve:idea:{queue.pending.pk}"})
    assert response.status_code == 403
    assert queue.refresh(queue.pending).status == IdeaStatus.PENDING


def test_city_admin_may_moderate(queue):
    client = queue.client(make_member(queue.city, Role.CITY_ADMIN))
    assert client.get(QUEUE).status_code == 200


def test_moderator_of_another_city_gets_no_data(queue, other_city):
    lakeside_moderator = make_member(other_city, Role.MODERATOR)
    # On riverton's host they are nobody: sent to the login page.
    response = client_for(lakeside_moderator, queue.city).get(QUEUE)
    assert response.status_code == 302
    # On their own host riverton's items do not exist.
    client = client_for(lakeside_moderator, other_city)
    body = client.get(QUEUE).content.decode()
    assert "Spam link" not in body and "Rude words" not in body
    for key in (f"idea:{queue.reported_idea.pk}", f"comment:{queue.comment.pk}"):
        response = client.post(QUEUE, {"row_action": f"hide:{key}", "reason": "x"})
        assert response.status_code == 404
    response = client.post(
        QUEUE, {"action": "dismiss", "items": [f"idea:{queue.reported_idea.pk}"]}
    )
    assert response.status_code == 404
    assert queue.refresh(queue.reported_idea).status == IdeaStatus.PUBLISHED
    assert queue.refresh(queue.comment).state == Comment.State.VISIBLE
    with city_context(queue.city):
        assert Report.objects.filter(state=Report.State.OPEN).count() == 3


# --- actions ---------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_approve_a_pending_idea(queue):
    response = queue.client().post(
        QUEUE,
        {"row_action": f"approve:idea:{queue.pending.pk}", **shown(queue.pending)},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(QUEUE)
    assert "Approved: 1 item." in _messages(response)
    assert queue.refresh(queue.pending).status == IdeaStatus.PUBLISHED
    with city_context(queue.city):
        action = ModerationAction.objects.get(idea=queue.pending)
    assert action.action == "approve" and action.moderator == queue.moderator
    assert LogEntry.objects.filter(object_id=str(queue.pending.pk)).exists()


def test_hide_with_reason_from_a_row_button(queue):
    response = queue.client().post(
        QUEUE,
        {
            "row_action": f"hide:idea:{queue.reported_idea.pk}",
            "reason": "Advertising",
            **shown(queue.reported_idea),
        },
        follow=True,
    )
    assert "Hidden: 1 item." in _messages(response)
    idea = queue.refresh(queue.reported_idea)
    assert idea.status == IdeaStatus.HIDDEN
    assert idea.hidden_reason == "Advertising"
    with city_context(queue.city):
        assert not Report.objects.filter(idea=idea, state=Report.State.OPEN).exists()
    assert f"item-idea-{idea.pk}" not in response.content.decode()


@pytest.mark.parametrize("reason", ["", "   "])
def test_hiding_without_a_reason_changes_nothing(queue, reason):
    response = queue.client().post(
        QUEUE,
        {
            "action": "hide",
            "reason": reason,
            "items": [f"idea:{queue.reported_idea.pk}", f"comment:{queue.comment.pk}"],
            **shown(queue.reported_idea, queue.comment),
        },
        follow=True,
    )
    # The page again (not a redirect): the error is on the reason field, which
    # is marked invalid, with its error and help text linked; the title says
    # "Error:" and the rows stay selected (issue 20).
    assert response.status_code == 200
    assert not response.redirect_chain
    assert "Give the reason for hiding" in response.context["form"].errors["reason"][0]
    html = response.content.decode()
    assert "<title>Error: " in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert 'id="id_reason_helptext"' in html and 'id="id_reason_error"' in html
    assert "data-error-summary" in html and 'href="#id_reason"' in html
    pk = queue.reported_idea.pk
    assert f'value="idea:{pk}" id="select-idea-{pk}" checked' in html
    assert queue.refresh(queue.reported_idea).status == IdeaStatus.PUBLISHED
    assert queue.refresh(queue.comment).state == Comment.State.VISIBLE
    with city_context(queue.city):
        assert ModerationAction.objects.exclude(action="dismiss").count() == 0


def test_too_long_or_malformed_reason_is_a_field_error(queue):
    """Hostile reasons: far too long, or a control character."""
    for reason in ["x" * 100_000, "Spam\x00"]:
        response = queue.client().post(
            QUEUE, {"row_action": f"hide:idea:{queue.reported_idea.pk}", "reason": reason}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
        assert 'aria-invalid="true"' in response.content.decode()
        assert queue.refresh(queue.reported_idea).status == IdeaStatus.PUBLISHED


def test_bulk_hide_with_one_reason(queue):
    response = queue.client().post(
        QUEUE,
        {
            "action": "hide",
            "reason": "Breaks the house rules",
            "items": [f"idea:{queue.reported_idea.pk}", f"comment:{queue.comment.pk}"],
            **shown(queue.reported_idea, queue.comment),
        },
        follow=True,
    )
    assert "Hidden: 2 items." in _messages(response)
    comment = queue.refresh(queue.comment)
    assert comment.state == Comment.State.HIDDEN
    assert comment.hidden_reason == "Breaks the house rules"
    assert queue.refresh(queue.reported_idea).hidden_reason == "Breaks the house rules"
    with city_context(queue.city):
        assert ModerationAction.objects.filter(action="hide").count() == 2


def test_bulk_action_reports_items_it_could_not_change(queue):
    response = queue.client().post(
        QUEUE,
        {
            "action": "approve",
            "items": [f"idea:{queue.pending.pk}", f"comment:{queue.comment.pk}"],
            **shown(queue.pending, queue.comment),
        },
        follow=True,
    )
    messages = _messages(response)
    assert "Approved: 1 item." in messages
    assert any("Only hidden comments can be restored" in m for m in messages)
    assert queue.refresh(queue.pending).status == IdeaStatus.PUBLISHED
    assert queue.refresh(queue.comment).state == Comment.State.VISIBLE


def test_dismiss_reports_keeps_the_content(queue):
    queue.client().post(
        QUEUE, {"row_action": f"dismiss:comment:{queue.comment.pk}", **shown(queue.comment)}
    )
    comment = queue.refresh(queue.comment)
    assert comment.state == Comment.State.VISIBLE
    assert comment.report_count == 0
    with city_context(queue.city):
        assert ModerationAction.objects.filter(comment=comment, action="dismiss").exists()
        assert not Report.objects.filter(comment=comment, state=Report.State.OPEN).exists()


def test_restore_an_auto_hidden_comment(city):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        comment = make_comment(idea__challenge__report_hide_threshold=1)
        report(comment, "Threat")
        assert Comment.objects.get(pk=comment.pk).state == Comment.State.HIDDEN
    client_for(moderator, city).post(
        QUEUE, {"row_action": f"restore:comment:{comment.pk}", **shown(comment)}
    )
    with city_context(city):
        comment = Comment.objects.get(pk=comment.pk)
        assert comment.state == Comment.State.VISIBLE
        assert comment.idea.comment_count == 1


@pytest.mark.parametrize(
    "data",
    [
        {"row_action": "explode:idea:1"},
        {"row_action": "hide:user:1", "reason": "x"},
        {"row_action": "approve:idea:not-a-number"},
        {"action": "approve", "items": []},
        {"action": "approve", "items": ["idea:99999999999999999999999"]},
    ],
)
def test_malformed_posts_change_nothing(queue, data):
    response = queue.client().post(QUEUE, data, follow=True)
    assert response.status_code == 200
    assert _messages(response)
    assert queue.refresh(queue.pending).status == IdeaStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_moderation_is_harmless(city):
    moderators = [make_member(city, Role.MODERATOR) for _ in range(2)]
    with city_context(city):
        idea = IdeaFactory()
        report(idea, "Spam")
    clients = [client_for(m, city) for m in moderators]
    page = shown(idea)  # both moderators read the queue at one version

    def hide(client):
        try:
            return client.post(
                QUEUE, {"row_action": f"hide:idea:{idea.pk}", "reason": "Spam", **page}
            ).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(hide, clients))
    # The second is told a colleague acted (409 with who and when); it was a
    # redirect with an error message before rows carried their version.
    assert statuses == [302, 409]
    with city_context(city):
        assert Idea.objects.get(pk=idea.pk).status == IdeaStatus.HIDDEN
        assert ModerationAction.objects.filter(idea=idea, action="hide").count() == 1


def test_platform_superuser_sees_and_handles_every_citys_queue(queue, other_city):
    with city_context(other_city):
        lakeside_pending = IdeaFactory(status=IdeaStatus.PENDING, title="Lakeside pending")
    root = UserFactory(email="root@platform.example", is_superuser=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(root)
    body = client.get(QUEUE).content.decode()
    assert "Lakeside pending" in body and "Spam link" in body
    client.post(
        QUEUE, {"row_action": f"approve:idea:{lakeside_pending.pk}", **shown(lakeside_pending)}
    )
    with city_context(other_city):
        assert Idea.objects.get(pk=lakeside_pending.pk).status == IdeaStatus.PUBLISHED
        assert ModerationAction.objects.get(idea=lakeside_pending).moderator == root
