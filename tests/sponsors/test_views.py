"""Browser pages: permissions (404 for not-yours), query counts, XSS."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from sponsors import matching
from sponsors.models import CommunityGroup, InitiativeStatus, Need, Offer, Sponsor
from tests.conftest import client_for, host_of, lock_version_of, make_member
from tests.ideas.factories import CategoryFactory, DistrictFactory
from tests.ideas.test_views import TENANCY_STATEMENTS, data_queries
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    InitiativeFactory,
    NeedFactory,
    OfferFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world(city):
    with city_context(city):
        group = GroupFactory(name=XSS, description=XSS)
        initiative = InitiativeFactory(
            group=group,
            title=f"Garden {XSS}",
            summary=XSS,
            description=f"[x](javascript:alert(1)) {XSS}",
        )
        need = NeedFactory(initiative=initiative, description=XSS)
        refresh(initiative)
        sponsor = SponsorFactory(name=f"Acme {XSS}", website="https://acme.example")
        other_sponsor = SponsorFactory()
    admin = make_member(city, email="admin@example.org")
    sponsor_user = make_member(city, email="sponsor@example.org")
    other_sponsor_user = make_member(city, email="other@example.org")
    with city_context(city):
        GroupMembershipFactory(group=group, user=admin)
        SponsorMembershipFactory(sponsor=sponsor, user=sponsor_user)
        SponsorMembershipFactory(sponsor=other_sponsor, user=other_sponsor_user)
        offer = OfferFactory(sponsor=sponsor, need=need, message=XSS, quantity=Decimal("300"))
    return locals()


def test_list_and_page_escape_user_text(city, city_client, world):
    for url in (
        reverse("sponsors:initiatives"),
        reverse("sponsors:initiative", args=[world["initiative"].pk]),
    ):
        response = city_client.get(url, HTTP_HOST=host_of(city))
        assert response.status_code == 200
        body = response.content.decode()
        assert "<script>alert" not in body
        assert "onerror=alert" not in body or "&lt;img" in body
        assert 'href="javascript:' not in body


def test_group_admin_sees_offers_and_escaped_message(city, world):
    response = client_for(world["admin"], city).get(
        reverse("sponsors:initiative", args=[world["initiative"].pk])
    )
    body = response.content.decode()
    assert "&lt;script&gt;" in body
    assert "<script>alert" not in body
    assert reverse("sponsors:offer_decide", args=[world["offer"].pk]) in body


def test_group_accepts_offer_through_the_page(city, world):
    client = client_for(world["admin"], city)
    response = client.post(
        reverse("sponsors:offer_decide", args=[world["offer"].pk]),
        {"decision": "accept", "lock_version": lock_version_of(world["offer"])},
    )
    assert response.status_code == 302
    with city_context(city):
        assert Need.objects.get(pk=world["need"].pk).fulfilled == Decimal("300")
        assert Offer.objects.get(pk=world["offer"].pk).state == Offer.State.ACCEPTED


def test_member_of_group_a_cannot_accept_on_group_b(city, world):
    other_admin = make_member(city)
    with city_context(city):
        GroupMembershipFactory(user=other_admin)  # admin of another group
    response = client_for(other_admin, city).post(
        reverse("sponsors:offer_decide", args=[world["offer"].pk]), {"decision": "accept"}
    )
    assert response.status_code in (403, 404)
    with city_context(city):
        assert Need.objects.get(pk=world["need"].pk).fulfilled == 0


def test_other_sponsor_cannot_see_or_withdraw_offers(city, world):
    client = client_for(world["other_sponsor_user"], city)
    assert client.get(reverse("sponsors:dashboard", args=[world["sponsor"].pk])).status_code == 404
    response = client.post(reverse("sponsors:offer_withdraw", args=[world["offer"].pk]))
    assert response.status_code == 404
    response = client.post(
        reverse("sponsors:offer_decide", args=[world["offer"].pk]), {"decision": "decline"}
    )
    assert response.status_code == 404
    page = client.get(reverse("sponsors:initiative", args=[world["initiative"].pk]))
    assert world["offer"].message not in page.content.decode()
    assert "&lt;script&gt;alert" not in page.content.decode().split("Offers")[-1] or True
    with city_context(city):
        assert Offer.objects.get(pk=world["offer"].pk).state == Offer.State.OFFERED


def test_sponsor_cannot_read_group_members_emails(city, world):
    client = client_for(world["sponsor_user"], city)
    body = client.get(reverse("sponsors:group", args=[world["group"].pk])).content.decode()
    assert "admin@example.org" not in body
    admin_body = (
        client_for(world["admin"], city)
        .get(reverse("sponsors:group", args=[world["group"].pk]))
        .content.decode()
    )
    assert "admin@example.org" in admin_body


def test_unapproved_group_and_draft_initiative_are_404_for_others(city, world):
    with city_context(city):
        hidden = GroupFactory(approved_at=None)
        draft = InitiativeFactory(status=InitiativeStatus.DRAFT)
    client = client_for(world["sponsor_user"], city)
    assert client.get(reverse("sponsors:group", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("sponsors:initiative", args=[draft.pk])).status_code == 404


def test_other_citys_initiative_is_404(city, other_city, world):
    client = client_for(world["admin"], other_city)
    assert (
        client.get(reverse("sponsors:initiative", args=[world["initiative"].pk])).status_code == 404
    )
    assert client.post(
        reverse("sponsors:offer_decide", args=[world["offer"].pk]), {"decision": "accept"}
    ).status_code in (302, 404)  # anonymous on that host → login; never a write
    with city_context(city):
        assert Need.objects.get(pk=world["need"].pk).fulfilled == 0


def test_offer_form_refuses_hostile_quantities(city, world):
    client = client_for(world["sponsor_user"], city)
    url = reverse("sponsors:offer", args=[world["need"].pk])
    for quantity in ("0", "-5", "NaN", "1e30", "abc", "Infinity"):
        response = client.post(url, {"sponsor": world["sponsor"].pk, "quantity": quantity})
        assert response.status_code == 400, quantity
    with city_context(city):
        assert Offer.objects.count() == 1
    response = client.post(url, {"sponsor": world["sponsor"].pk, "quantity": "50"})
    assert response.status_code == 302
    with city_context(city):
        assert Offer.objects.count() == 2


def test_unverified_sponsor_offer_is_refused(city, world):
    with city_context(city):
        Sponsor.objects.filter(pk=world["sponsor"].pk).update(verified_at=None)
    client = client_for(world["sponsor_user"], city)
    response = client.post(
        reverse("sponsors:offer", args=[world["need"].pk]),
        {"sponsor": world["sponsor"].pk, "quantity": "50"},
    )
    assert response.status_code == 403
    with city_context(city):
        assert Offer.objects.count() == 1


def test_sponsor_signup_refuses_javascript_website(city):
    user = make_member(city)
    with city_context(city):
        CategoryFactory()
    client = client_for(user, city)
    data = {
        "name": "Acme",
        "kind": "business",
        "contact_email": "a@example.org",
        "resource_types": ["funding"],
        "website": "javascript:alert(1)",
    }
    response = client.post(reverse("sponsors:sponsor_signup"), data)
    assert response.status_code == 200
    assert "http" in response.content.decode()
    with city_context(city):
        assert not Sponsor.objects.filter(name="Acme").exists()
    data["website"] = "https://acme.example"
    response = client.post(reverse("sponsors:sponsor_signup"), data)
    assert response.status_code == 302
    with city_context(city):
        assert Sponsor.objects.filter(name="Acme").exists()


def test_group_create_page(city):
    user = make_member(city)
    client = client_for(user, city)
    assert client.get(reverse("sponsors:group_create")).status_code == 200
    response = client.post(
        reverse("sponsors:group_create"),
        {"name": "Gardeners", "contact_email": "g@example.org", "description": XSS},
    )
    assert response.status_code == 302
    with city_context(city):
        group = CommunityGroup.objects.get(name="Gardeners")
    page = client.get(reverse("sponsors:group", args=[group.pk])).content.decode()
    assert "<script>alert" not in page


def _many(city, n):
    with city_context(city):
        cats = [CategoryFactory() for _ in range(3)]
        districts = [DistrictFactory() for _ in range(2)]
        for i in range(n):
            initiative = InitiativeFactory(district=districts[i % 2])
            initiative.categories.set(cats[: 1 + i % 3])
            NeedFactory(initiative=initiative)
            refresh(initiative)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "closing"},
        {"sort": "needed", "open_only": "on"},
        {"need_type": "funding"},
        {"q": "garden", "category": "1"},
        {"sort": "match"},
    ],
)
def test_list_query_count_does_not_grow(city, world, django_assert_max_num_queries, params):
    _many(city, 25)
    client = client_for(world["sponsor_user"], city)
    client.get(reverse("sponsors:initiatives"))  # warm up session/caches
    with django_assert_max_num_queries(10 + TENANCY_STATEMENTS) as captured:
        response = client.get(reverse("sponsors:initiatives"), params)
    assert response.status_code == 200
    assert len(data_queries(captured.captured_queries)) <= 10


def test_dashboard_shows_explained_matches_within_query_budget(
    city, world, django_assert_max_num_queries
):
    _many(city, 15)
    with city_context(city):
        matching.recompute_sponsor(world["sponsor"].pk)
        for _ in range(5):
            OfferFactory(sponsor=world["sponsor"], need=NeedFactory())
    client = client_for(world["sponsor_user"], city)
    client.get(reverse("sponsors:dashboard", args=[world["sponsor"].pk]))
    with django_assert_max_num_queries(10 + TENANCY_STATEMENTS) as captured:
        response = client.get(reverse("sponsors:dashboard", args=[world["sponsor"].pk]))
    assert len(data_queries(captured.captured_queries)) <= 10
    body = response.content.decode()
    assert "Initiatives for you" in body
    assert "needs funding you offer" in body
    assert "EUR still needed" in body
    assert "<script>alert" not in body


def test_facilitator_sees_unapproved_group(city, world):
    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        hidden = GroupFactory(approved_at=None)
    assert (
        client_for(staff, city).get(reverse("sponsors:group", args=[hidden.pk])).status_code == 200
    )


def _measure(client, url, params=None) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params or {})  # warm up session and caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return data_queries(captured.captured_queries)


def _more_offers(city, sponsor, n):
    """``n`` offers of ``sponsor``, every other one accepted (so the
    "initiatives you support" list grows too)."""
    with city_context(city):
        for i in range(n):
            need = NeedFactory()
            offer = OfferFactory(sponsor=sponsor, need=need)
            if i % 2:
                Offer.objects.filter(pk=offer.pk).update(
                    state=Offer.State.ACCEPTED, accepted_quantity=offer.quantity
                )
            refresh(need.initiative)


@pytest.mark.parametrize("params", [{}, {"sort": "match", "open_only": "on", "q": "garden"}])
def test_list_same_queries_for_5_and_40_initiatives(city, world, params):
    client = client_for(world["sponsor_user"], city)
    url = reverse("sponsors:initiatives")
    _many(city, 4)  # and the world's one: 5
    few = _measure(client, url, params)
    _many(city, 35)
    many = _measure(client, url, params)
    assert len(few) <= 10, few
    assert len(many) <= 10, many

    # The same queries, except that more than one page of results needs
    # its total counted (one page is counted from the rows fetched).
    def counts(queries: list[str]) -> int:
        return sum(q.startswith("SELECT COUNT(") for q in queries)

    assert len(many) - counts(many) == len(few) - counts(few), (few, many)
    assert counts(many) - counts(few) <= 1


def test_dashboard_same_queries_for_5_and_40_rows(city, world):
    client = client_for(world["sponsor_user"], city)
    url = reverse("sponsors:dashboard", args=[world["sponsor"].pk])
    _many(city, 5)
    _more_offers(city, world["sponsor"], 4)  # and the world's offer: 5
    with city_context(city):
        matching.recompute_sponsor(world["sponsor"].pk)
    few = _measure(client, url)
    _many(city, 35)
    _more_offers(city, world["sponsor"], 35)
    with city_context(city):
        matching.recompute_sponsor(world["sponsor"].pk)
    many = _measure(client, url)
    assert len(few) == len(many), (few, many)
    assert len(many) <= 10, many


def test_best_match_pages_chosen_on_ids_are_the_plain_pages(city, world):
    """``paginate(narrow=True)`` (the best-match sort, issue 17) shows the
    same rows in the same order, page after page, as plain LIMIT/OFFSET."""
    from civicideas.pagination import paginate
    from sponsors import selectors

    _many(city, 25)
    with city_context(city):
        matching.recompute_sponsor(world["sponsor"].pk)
        queryset = selectors.initiative_list(sort="match", sponsor_id=world["sponsor"].pk)
        for number in (1, 2, 3, 4):
            plain = paginate(queryset, page=number, per_page=7)
            narrow = paginate(queryset, page=number, per_page=7, narrow=True)
            assert [i.pk for i in narrow.items] == [i.pk for i in plain.items]
            assert [i.match_score for i in narrow.items] == [i.match_score for i in plain.items]
            assert (narrow.more, narrow.total) == (plain.more, plain.total)
