"""Notifications as people read them: the preferences list only kinds that
can reach the person; a "challenge opened" notice says where the challenge
stands now."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicideas.notifications import preferences
from civicideas.tenancy.context import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Challenge
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory
from tests.notifications.conftest import add_notification
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    SponsorFactory,
    SponsorMembershipFactory,
)

pytestmark = pytest.mark.django_db

SPONSOR_KINDS = {"sponsor_verified", "offer_accepted", "offer_declined"}
GROUP_KINDS = {"group_approved", "offer_received", "offer_accepted_by_group", "offer_withdrawn"}
EVALUATOR_KINDS = {"evaluator_assigned", "evaluation_due_soon"}
ADMIN_KINDS = {"group_to_approve", "sponsor_to_verify", "match_pledged"}


def offered(city, user) -> set[str]:
    html = client_for(user, city).get(reverse("notifications:preferences")).content.decode()
    return set(re.findall(r'name="kind-([a-z_]+)"', html))


def test_citizen_sees_only_citizen_kinds(city):
    kinds = offered(city, make_member(city, Role.CITIZEN))
    assert {"idea_published", "idea_commented", "challenge_opened"} <= kinds
    assert not kinds & (SPONSOR_KINDS | GROUP_KINDS | EVALUATOR_KINDS | ADMIN_KINDS)
    assert "initiative_cancelled" not in kinds


def test_sponsor_member_sees_sponsor_kinds_not_group_ones(city):
    user = make_member(city)
    with city_context(city):
        SponsorMembershipFactory(sponsor=SponsorFactory(), user=user)
    kinds = offered(city, user)
    assert kinds >= SPONSOR_KINDS
    assert "introduction" in kinds and "initiative_cancelled" in kinds
    assert not kinds & (GROUP_KINDS | EVALUATOR_KINDS | ADMIN_KINDS)


def test_group_member_sees_group_kinds(city):
    user = make_member(city)
    with city_context(city):
        GroupMembershipFactory(group=GroupFactory(), user=user)
    kinds = offered(city, user)
    assert kinds >= GROUP_KINDS
    assert not kinds & SPONSOR_KINDS


def test_membership_in_another_city_does_not_count(city, other_city):
    user = make_member(city)
    with city_context(other_city):
        SponsorMembershipFactory(sponsor=SponsorFactory(), user=user)
    assert not offered(city, user) & SPONSOR_KINDS


def test_city_admin_and_evaluator_see_their_kinds(city):
    assert offered(city, make_member(city, Role.CITY_ADMIN)) >= ADMIN_KINDS
    assert offered(city, make_member(city, Role.EVALUATOR)) >= EVALUATOR_KINDS


def test_a_hidden_kind_posted_anyway_is_refused_by_nothing_and_stored_by_nothing(city):
    """The form only sends what it lists: a forged field for a kind not
    offered is ignored, never a 500."""
    user = make_member(city)
    response = client_for(user, city).post(
        reverse("notifications:preferences"), {"kind-sponsor_verified": "off"}
    )
    assert response.status_code == 302
    with city_context(city):
        assert "sponsor_verified" not in {k.key for k, _c in preferences.preferences_for(user)}


# --- "challenge opened", read later -------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "line"),
    [
        (Challenge.Phase.IDEAS, None),
        (Challenge.Phase.SUPPORTS, "it is now open for supports"),
        (Challenge.Phase.EVALUATION, "it is now in evaluation"),
        (Challenge.Phase.RESULTS, "its results are published"),
        (Challenge.Phase.CLOSED, "it is now closed"),
        (Challenge.Phase.DRAFT, "This challenge is no longer open."),
    ],
)
def test_challenge_opened_says_the_current_phase(city, phase, line):
    user = make_member(city)
    with city_context(city):
        challenge = ChallengeFactory(slug="benches", phase=phase)
    add_notification(
        city, user, kind="challenge_opened", payload={"title": challenge.title, "slug": "benches"}
    )
    html = client_for(user, city).get(reverse("notifications:list")).content.decode()
    assert "A new challenge is open for ideas" in html
    if line is None:
        assert "notification-now" not in html
    else:
        assert line in html


def test_challenge_gone_or_hostile_slug_says_no_longer_open(city):
    user = make_member(city)
    for slug in ("deleted-one", "x" * 5000, None, 12):
        add_notification(city, user, kind="challenge_opened", payload={"title": "T", "slug": slug})
    response = client_for(user, city).get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.content.decode().count("This challenge is no longer open.") == 4


@pytest.mark.parametrize("rows", [2, 20])
def test_current_phase_costs_one_query_whatever_the_page(city, rows, django_assert_max_num_queries):
    user = make_member(city)
    with city_context(city):
        for n in range(rows):
            ChallengeFactory(slug=f"c{n}", phase=Challenge.Phase.CLOSED)
    for n in range(rows):
        add_notification(
            city, user, kind="challenge_opened", payload={"title": f"C{n}", "slug": f"c{n}"}
        )
    client = client_for(user, city)
    client.get("/")
    with django_assert_max_num_queries(14):
        html = client.get(reverse("notifications:list")).content.decode()
    assert html.count("it is now closed") == rows
