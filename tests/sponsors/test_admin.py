"""The facilitator's back office."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from sponsors.models import CommunityGroup, Introduction, MatchFund, Sponsor
from tests.conftest import client_for, make_member
from tests.sponsors.factories import (
    GroupFactory,
    InitiativeFactory,
    MatchFundFactory,
    NeedFactory,
    SponsorFactory,
    admin_of,
    member_of_sponsor,
    refresh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(city):
    return make_member(city, Role.CITY_ADMIN)


def test_approve_groups_and_verify_sponsors(city, staff):
    with city_context(city):
        group = GroupFactory(approved_at=None)
        sponsor = SponsorFactory(verified_at=None)
    client = client_for(staff, city)
    response = client.post(
        reverse("admin:sponsors_communitygroup_changelist"),
        {"action": "approve", "_selected_action": [group.pk]},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:sponsors_sponsor_changelist"),
        {"action": "verify", "_selected_action": [sponsor.pk]},
    )
    assert response.status_code == 302
    with city_context(city):
        assert CommunityGroup.objects.get(pk=group.pk).approved_by_id == staff.pk
        assert Sponsor.objects.get(pk=sponsor.pk).verified_by_id == staff.pk


def test_moderator_cannot_verify(city):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        sponsor = SponsorFactory(verified_at=None)
    response = client_for(moderator, city).post(
        reverse("admin:sponsors_sponsor_changelist"),
        {"action": "verify", "_selected_action": [sponsor.pk]},
    )
    assert response.status_code in (302, 403)
    with city_context(city):
        assert not Sponsor.objects.get(pk=sponsor.pk).is_verified


def test_candidates_and_introduce(city, staff):
    with city_context(city):
        initiative = InitiativeFactory()
        NeedFactory(initiative=initiative)
        refresh(initiative)
        group_admin = admin_of(initiative.group)
        sponsor = SponsorFactory(name="<b>Acme</b>")
        sponsor_user = member_of_sponsor(sponsor)
    client = client_for(staff, city)
    url = reverse("admin:sponsors_initiative_candidates", args=[initiative.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "&lt;b&gt;Acme&lt;/b&gt;" in body
    assert "needs funding you offer" in body
    response = client.post(url, {"sponsor": sponsor.pk, "message": "Meet"})
    assert response.status_code == 302
    with city_context(city):
        assert Introduction.objects.filter(sponsor=sponsor, initiative=initiative).exists()
        recipients = set(
            Notification.objects.filter(kind="introduction").values_list("recipient_id", flat=True)
        )
        assert recipients == {group_admin.pk, sponsor_user.pk}


def test_candidates_of_another_city_are_404(city, other_city, staff):
    with city_context(other_city):
        foreign = InitiativeFactory()
    url = reverse("admin:sponsors_initiative_candidates", args=[foreign.pk])
    assert client_for(staff, city).get(url).status_code == 404


def test_closing_soon_filter(city, staff):
    with city_context(city):
        soon = InitiativeFactory(title="Soon")
        NeedFactory(initiative=soon, deadline=timezone.localdate() + timedelta(days=3))
        later = InitiativeFactory(title="Later")
        NeedFactory(initiative=later, deadline=timezone.localdate() + timedelta(days=60))
        refresh(soon)
        refresh(later)
    body = (
        client_for(staff, city)
        .get(reverse("admin:sponsors_initiative_changelist"), {"closing": "7"})
        .content.decode()
    )
    assert "Soon" in body and "Later" not in body


def test_match_fund_shows_remaining_and_refuses_budget_below_committed(city, staff):
    with city_context(city):
        fund = MatchFundFactory(total_budget=Decimal("1000"))
        MatchFund.objects.filter(pk=fund.pk).update(committed=Decimal("400"))
    client = client_for(staff, city)
    body = client.get(reverse("admin:sponsors_matchfund_changelist")).content.decode()
    assert "600" in body
    response = client.post(
        reverse("admin:sponsors_matchfund_change", args=[fund.pk]),
        {"name": "Fund", "ratio": "1", "cap_per_initiative": "500", "total_budget": "100"},
    )
    assert response.status_code == 302
    with city_context(city):
        assert MatchFund.objects.get(pk=fund.pk).total_budget == Decimal("1000")
