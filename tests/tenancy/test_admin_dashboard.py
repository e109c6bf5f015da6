"""The back office's index as a dashboard (issue 12): counts of what needs
action, each a link into the filtered list, and the city's recent activity;
per city, per role, with a bounded number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Report
from ideas.status import IdeaStatus
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
