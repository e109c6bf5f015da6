"""The back office's index as a dashboard (issue 12): counts of what needs
action, each a link into the filtered list, and the city's recent activity;
per city, per role, with a bounded number of queries."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import admin_dashboard, city_context
from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role
from evaluation.models import Assignment
from ideas.models import Challenge, Idea, Report
from ideas.status import IdeaStatus
from sponsors.models import CommunityGroup, Offer
from tests.conftest import client_for, make_member
from tests.evaluation.factories import AssignmentFactory
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.sponsors.factories import GroupFactory, OfferFactory

pytestmark = pytest.mark.django_db


def counter(html: str, key: str) -> tuple[int, str] | None:
    """(count, link) of one counter on the page, or None when not shown."""
    found = re.search(
        rf'data-counter="{re.escape(key)}">\s*<a href="([^"]*)">\s*'
        r'<span class="dashboard-count">(\d+)</span>',
        html,
    )
    return (int(found.group(2)), found.group(1).replace("&amp;", "&")) if found else None


def fill(city, n: int, prefix: str) -> None:
    """n of each thing that needs action, in ``city``."""
    with city_context(city):
        challenge = ChallengeFactory()
        reporter = UserFactory()
        for i in range(n):
            IdeaFactory(
                challenge=challenge, status=IdeaStatus.PENDING, title=f"{prefix} pending {i}"
            )
            reported = IdeaFactory(challenge=challenge, title=f"{prefix} reported {i}")
            Report.objects.create(city=city, idea=reported, reporter=reporter, reason="Rude")
            AssignmentFactory(idea__challenge=challenge)
            OfferFactory()
            GroupFactory(approved_at=None)


@pytest.fixture
def admin_client(city):
    return client_for(make_member(city, Role.CITY_ADMIN), city)


def test_counts_link_to_filtered_lists_of_this_city_only(city, other_city, admin_client):
    fill(city, 2, "Riverton")
    fill(other_city, 3, "Lakeside")
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    # 2 pending ideas + 2 reported ideas; lakeside's 6 are not counted.
    assert counter(html, "ideas.moderation") == (4, "/admin/ideas/idea/moderation/")
    # The reported ideas and the assignments' ideas are published: awaiting an answer.
    count, link = counter(html, "ideas.awaiting_answer")
    assert count == 4 and link == "/admin/ideas/idea/?status__in=published%2Cunder_evaluation"
    assert counter(html, "evaluation.pending") == (2, "/admin/evaluation/assignment/?progress=open")
    assert counter(html, "sponsors.open_offers") == (
        2,
        "/admin/sponsors/offer/?state__exact=offered",
    )
    assert counter(html, "sponsors.groups")[0] == 2
    assert "Riverton reported 1" in html  # recent activity
    assert "Lakeside" not in html.replace("lakeside", "")


def test_each_counter_link_opens_its_list_with_the_same_number(city, admin_client):
    fill(city, 2, "Riverton")
    html = admin_client.get("/admin/").content.decode()
    _, link = counter(html, "ideas.awaiting_answer")
    changelist = admin_client.get(link)
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 4
    _, link = counter(html, "evaluation.pending")
    assert admin_client.get(link).context["cl"].result_count == 2
    _, link = counter(html, "sponsors.open_offers")
    assert admin_client.get(link).context["cl"].result_count == 2


def test_counters_follow_the_role(city):
    fill(city, 1, "Riverton")
    evaluator = client_for(make_member(city, Role.EVALUATOR), city)
    html = evaluator.get("/admin/").content.decode()
    assert counter(html, "ideas.awaiting_answer") is not None
    # Evaluators may not see reports, offers or groups: no count, no event.
    for key in ("ideas.moderation", "sponsors.open_offers", "sponsors.groups"):
        assert f'data-counter="{key}"' not in html
    assert "Rude" not in html
    moderator = client_for(make_member(city, Role.MODERATOR), city)
    html = moderator.get("/admin/").content.decode()
    # The moderator's way from the back-office home to the queue, which opens.
    assert counter(html, "ideas.moderation") == (2, "/admin/ideas/idea/moderation/")
    assert moderator.get("/admin/ideas/idea/moderation/").status_code == 200
    assert 'data-counter="sponsors.open_offers"' not in html


def test_citizens_get_no_dashboard(city):
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    response = citizen.get("/admin/")
    assert response.status_code == 302


def test_query_count_does_not_grow(city, admin_client):
    admin_client.get("/admin/")  # warm the session and the host lookup
    counts = []
    for _ in range(2):
        fill(city, 3, "More")
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 30


def test_an_evaluator_counts_their_own_assignments(city):
    fill(city, 2, "Riverton")
    evaluator = make_member(city, Role.EVALUATOR)
    with city_context(city):
        AssignmentFactory(evaluator=evaluator)
    client = client_for(evaluator, city)
    html = client.get("/admin/").content.decode()
    count, link = counter(html, "evaluation.pending")
    assert count == 1
    assert client.get(link).context["cl"].result_count == 1


def test_a_residents_offer_is_named_in_the_activity_feed_not_none():
    """Offers of one's own time have no sponsor (issue 12's residents' offers)."""
    from sponsors.admin_dashboard import _offer_text

    row = {"sponsor__name": None, "initiative__title": "Park clean-up"}
    assert _offer_text(row) == "A resident → Park clean-up"
    row = {"sponsor__name": "Green Bank", "initiative__title": "Park clean-up"}
    assert _offer_text(row) == "Green Bank → Park clean-up"


# Issue 17: the counts are kept COUNTER_SECONDS per person and city; the
# person's own admin action, a role change or another city counts afresh.


def test_counts_are_kept_for_a_while_then_follow(city, admin_client, monkeypatch):
    monkeypatch.setattr(admin_dashboard, "COUNTER_SECONDS", 1)
    fill(city, 2, "Riverton")
    assert counter(admin_client.get("/admin/").content.decode(), "ideas.moderation")[0] == 4
    with city_context(city):
        IdeaFactory(challenge=ChallengeFactory(), status=IdeaStatus.PENDING)
    # Someone else's change: the kept figure, within the accepted staleness...
    assert counter(admin_client.get("/admin/").content.decode(), "ideas.moderation")[0] == 4
    time.sleep(1.2)
    # ...and the new one once it has expired.
    assert counter(admin_client.get("/admin/").content.decode(), "ideas.moderation")[0] == 5


def test_a_civil_servants_own_action_shows_at_once(city, admin_client):
    fill(city, 2, "Riverton")
    html = admin_client.get("/admin/").content.decode()
    assert counter(html, "ideas.moderation")[0] == 4
    assert counter(html, "ideas.awaiting_answer")[0] == 4
    with city_context(city):
        pending = Idea.objects.filter(status=IdeaStatus.PENDING).first()
    response = admin_client.post(
        "/admin/ideas/idea/",
        {"action": "approve_ideas", "_selected_action": [str(pending.pk)], "index": 0},
    )
    assert response.status_code == 302
    html = admin_client.get("/admin/").content.decode()
    assert counter(html, "ideas.moderation")[0] == 3
    assert counter(html, "ideas.awaiting_answer")[0] == 5
    # And it is among their recent actions (never kept: read on each view).
    assert pending.title in html.split('id="recent-actions-module"', 1)[1]


def test_kept_counts_are_never_another_citys_or_another_roles(city, other_city):
    fill(city, 2, "Riverton")
    fill(other_city, 3, "Lakeside")
    both = make_member(city, Role.CITY_ADMIN)
    with city_context(other_city):
        Membership.objects.create(city=other_city, user=both, roles=[str(Role.CITY_ADMIN)])
    for _ in range(2):  # counted, then kept
        riverton = client_for(both, city).get("/admin/").content.decode()
        lakeside = client_for(both, other_city).get("/admin/").content.decode()
        assert counter(riverton, "ideas.moderation")[0] == 4
        assert counter(lakeside, "ideas.moderation")[0] == 6
        assert counter(riverton, "sponsors.groups")[0] == 2
        assert counter(lakeside, "sponsors.groups")[0] == 3
    # Made an evaluator only in riverton: the admin's kept counts are not shown.
    with city_context(city):
        Membership.objects.filter(user=both).update(roles=[str(Role.EVALUATOR)])
    riverton = client_for(both, city).get("/admin/").content.decode()
    assert 'data-counter="ideas.moderation"' not in riverton
    assert counter(riverton, "evaluation.pending")[0] == 0


def test_two_evaluators_each_count_their_own(city):
    fill(city, 1, "Riverton")
    first, second = make_member(city, Role.EVALUATOR), make_member(city, Role.EVALUATOR)
    with city_context(city):
        AssignmentFactory(evaluator=first)
        AssignmentFactory(evaluator=first)
        AssignmentFactory(evaluator=second)
    for _ in range(2):
        html = client_for(first, city).get("/admin/").content.decode()
        assert counter(html, "evaluation.pending")[0] == 2
        html = client_for(second, city).get("/admin/").content.decode()
        assert counter(html, "evaluation.pending")[0] == 1


def _index_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/admin/").status_code == 200
    return len(captured.captured_queries)


def test_index_queries_grow_with_neither_data_nor_recent_actions(city, admin_client):
    """Counted (cold cache) or kept, the index runs a fixed number of
    queries, whatever the number of ideas, comments, reports, and of kinds
    of objects among the civil servant's recent actions."""
    user = admin_client.get("/admin/").wsgi_request.user
    cold, warm = [], []
    for round_ in range(2):
        fill(city, 3, f"More{round_}")
        with city_context(city):
            for model_object in (
                Idea.objects.first(),
                Report.objects.first(),
                Assignment.objects.first(),
                Offer.objects.first(),
                CommunityGroup.objects.first(),
                Challenge.objects.first(),
            )[: 3 * (round_ + 1)]:
                LogEntry.objects.log_actions(
                    user_id=user.pk, queryset=[model_object], action_flag=CHANGE
                )
        cache.delete(admin_dashboard._kept_key(city.pk, user.pk))
        cold.append(_index_queries(admin_client))
        warm.append(_index_queries(admin_client))
    assert warm[0] == warm[1] <= 15
    # Counting (once per COUNTER_SECONDS): one query more per counter shown.
    assert cold[0] == cold[1] == warm[0] + 5
