"""Cancelled and completed initiatives close their needs: page, offer page and service agree."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicideas.errors import Conflict
from civicideas.tenancy import city_context
from sponsors import rules, services
from sponsors.models import Initiative, InitiativeStatus, Need, Offer
from tests.conftest import client_for, host_of, make_member
from tests.sponsors.factories import (
    InitiativeFactory,
    NeedFactory,
    SponsorFactory,
    SponsorMembershipFactory,
)

pytestmark = pytest.mark.django_db

ENDED = [InitiativeStatus.CANCELLED, InitiativeStatus.COMPLETED]


@pytest.fixture
def setup(city):
    with city_context(city):
        initiative = InitiativeFactory()
        need = NeedFactory(initiative=initiative, description="Shovels")
        sponsor = SponsorFactory()
    sponsor_user = make_member(city)
    with city_context(city):
        SponsorMembershipFactory(sponsor=sponsor, user=sponsor_user)
    return {"initiative": initiative, "need": need, "sponsor": sponsor, "user": sponsor_user}


def _end(city, initiative, status):
    with city_context(city):
        Initiative.objects.filter(pk=initiative.pk).update(status=status)


@pytest.mark.parametrize("status", ENDED)
def test_page_marks_needs_closed_without_offer_button(city, setup, status):
    client = client_for(setup["user"], city)
    url = reverse("sponsors:initiative", args=[setup["initiative"].pk])
    assert "Offer support" in client.get(url).content.decode()
    _end(city, setup["initiative"], status)
    html = client.get(url).content.decode()
    assert "Offer support" not in html
    assert reverse("sponsors:offer", args=[setup["need"].pk]) not in html
    assert "<strong>Closed</strong>" in html


@pytest.mark.parametrize("status", ENDED)
@pytest.mark.parametrize("method", ["get", "post"])
def test_offer_page_refuses_with_a_clear_message(city, setup, status, method):
    _end(city, setup["initiative"], status)
    client = client_for(setup["user"], city)
    url = reverse("sponsors:offer", args=[setup["need"].pk])
    response = getattr(client, method)(url, {"sponsor": setup["sponsor"].pk, "quantity": "5"})
    assert response.status_code == 409
    word = "cancelled" if status == InitiativeStatus.CANCELLED else "completed"
    assert (
        f"This initiative {'was' if word == 'cancelled' else 'is'} {word}"
        in response.content.decode()
    )
    with city_context(city):
        assert not Offer.objects.exists()


@pytest.mark.parametrize("status", ENDED)
def test_service_refuses_even_a_need_that_looks_open(city, setup, status):
    _end(city, setup["initiative"], status)
    with city_context(city):
        need = Need.objects.get(pk=setup["need"].pk)
        assert need.is_open  # its figures say open; the initiative says closed
        with pytest.raises(Conflict, match="no longer accept offers"):
            services.offer_make(sponsor=setup["sponsor"], need=need, by=setup["user"], quantity=5)
        assert not Offer.objects.exists()


def test_rule_is_none_for_an_open_need(city, setup):
    with city_context(city):
        assert rules.need_offer_refusal(Need.objects.select_related("initiative").get()) is None


def test_offer_page_of_another_citys_need_is_404(city, other_city, setup):
    with city_context(other_city):
        foreign = NeedFactory()
    client = client_for(setup["user"], city)
    assert client.get(reverse("sponsors:offer", args=[foreign.pk])).status_code == 404
    assert client.get(f"/needs/{'9' * 30}/offer/").status_code == 404
    assert host_of(city)
