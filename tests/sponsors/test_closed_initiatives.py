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
    assert '<span class="status status-withdrawn">Closed</span>' in html


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


# --- residents offer their own time ---------------------------------------------------


@pytest.fixture
def volunteering(city):
    from sponsors.models import ResourceType, Unit

    with city_context(city):
        initiative = InitiativeFactory()
        need = NeedFactory(
            initiative=initiative,
            kind=ResourceType.VOLUNTEERS,
            unit=Unit.HOURS,
            quantity=40,
            description="Planting day",
        )
        money = NeedFactory(initiative=initiative, description="Seeds")
    group_admin = make_member(city)
    with city_context(city):
        from tests.sponsors.factories import GroupMembershipFactory

        GroupMembershipFactory(group=initiative.group, user=group_admin, role="admin")
    resident = make_member(city, email="resident@example.org")
    return {
        "initiative": initiative,
        "need": need,
        "money": money,
        "resident": resident,
        "admin": group_admin,
    }


def test_resident_sees_offer_your_time_on_volunteer_needs_only(city, volunteering):
    client = client_for(volunteering["resident"], city)
    html = client.get(
        reverse("sponsors:initiative", args=[volunteering["initiative"].pk])
    ).content.decode()
    assert html.count("Offer your time") == 1
    assert f"/needs/{volunteering['need'].pk}/offer/?as=me" in html
    assert "Offer support" not in html  # not a sponsor: no offer on the money need


def test_anonymous_is_asked_to_sign_in_to_offer_time(city, volunteering):
    from django.test import Client

    html = (
        Client(HTTP_HOST=host_of(city))
        .get(reverse("sponsors:initiative", args=[volunteering["initiative"].pk]))
        .content.decode()
    )
    assert "Sign in to offer your time" in html


def test_resident_offers_time_through_the_page_and_the_group_hears(city, volunteering):
    from civicideas.notifications.models import Notification

    client = client_for(volunteering["resident"], city)
    url = reverse("sponsors:offer", args=[volunteering["need"].pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="sponsor" value="me"' in form.content.decode()
    response = client.post(url, {"sponsor": "me", "quantity": "6", "message": "Saturdays"})
    assert response.status_code == 302
    with city_context(city):
        offer = Offer.objects.get()
        assert offer.sponsor is None and offer.made_by == volunteering["resident"]
        assert Notification.objects.filter(
            recipient=volunteering["admin"], kind="offer_received"
        ).exists()
    page = client.get(reverse("sponsors:initiative", args=[volunteering["initiative"].pk]))
    assert "Your offers of help" in page.content.decode()
    admin_page = client_for(volunteering["admin"], city).get(
        reverse("sponsors:initiative", args=[volunteering["initiative"].pk])
    )
    assert "resident@example.org" in admin_page.content.decode()


def test_second_pending_offer_on_one_need_is_refused(city, volunteering):
    client = client_for(volunteering["resident"], city)
    url = reverse("sponsors:offer", args=[volunteering["need"].pk])
    assert client.post(url, {"sponsor": "me", "quantity": "2"}).status_code == 302
    again = client.post(url, {"sponsor": "me", "quantity": "2"})
    assert again.status_code == 409
    assert "already offered your help" in again.content.decode()
    with city_context(city):
        assert Offer.objects.count() == 1


@pytest.mark.parametrize("choice", ["me", "", "0", "abc", "9" * 40, "-1"])
def test_resident_cannot_offer_on_a_money_need(city, volunteering, choice):
    client = client_for(volunteering["resident"], city)
    response = client.post(
        reverse("sponsors:offer", args=[volunteering["money"].pk]),
        {"sponsor": choice, "quantity": "5"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sponsors:sponsor_signup")
    with city_context(city):
        assert not Offer.objects.exists()


def test_service_refuses_a_personal_offer_on_a_money_need(city, volunteering):
    from civicideas.errors import NotAllowed

    with city_context(city), pytest.raises(NotAllowed, match="volunteer needs"):
        services.offer_make(
            sponsor=None, need=volunteering["money"], by=volunteering["resident"], quantity=1
        )


@pytest.mark.parametrize("quantity", ["0", "-3", "NaN", "1e30", "abc", "\u200b"])
def test_hostile_quantities_are_form_errors(city, volunteering, quantity):
    client = client_for(volunteering["resident"], city)
    response = client.post(
        reverse("sponsors:offer", args=[volunteering["need"].pk]),
        {"sponsor": "me", "quantity": quantity},
    )
    assert response.status_code == 400
    with city_context(city):
        assert not Offer.objects.exists()


def test_group_accepts_a_residents_offer_and_the_resident_hears(city, volunteering):
    from civicideas.notifications.models import Notification

    with city_context(city):
        offer = services.offer_make(
            sponsor=None, need=volunteering["need"], by=volunteering["resident"], quantity=4
        )
        services.offer_accept(offer=offer, by=volunteering["admin"])
        assert Notification.objects.filter(
            recipient=volunteering["resident"], kind="offer_accepted"
        ).exists()
        assert Need.objects.get(pk=volunteering["need"].pk).fulfilled == 4
    # The resident now hears about offers in the preferences too.
    html = client_for(volunteering["resident"], city).get("/notifications/preferences/")
    assert 'name="kind-offer_accepted"' in html.content.decode()


def test_resident_withdraws_with_a_confirmation_step(city, volunteering):
    with city_context(city):
        offer = services.offer_make(
            sponsor=None, need=volunteering["need"], by=volunteering["resident"], quantity=4
        )
    client = client_for(volunteering["resident"], city)
    url = reverse("sponsors:offer_withdraw", args=[offer.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Withdraw this offer?" in confirm.content.decode()
    with city_context(city):
        assert Offer.objects.get().state == Offer.State.OFFERED  # a GET changes nothing
    assert client.post(url).status_code == 302
    with city_context(city):
        assert Offer.objects.get().state == Offer.State.WITHDRAWN


def test_other_resident_cannot_see_or_withdraw_a_residents_offer(city, volunteering):
    with city_context(city):
        offer = services.offer_make(
            sponsor=None, need=volunteering["need"], by=volunteering["resident"], quantity=4
        )
    stranger = client_for(make_member(city), city)
    url = reverse("sponsors:offer_withdraw", args=[offer.pk])
    assert stranger.get(url).status_code == 404
    assert stranger.post(url).status_code == 404
    with city_context(city):
        assert Offer.objects.get().state == Offer.State.OFFERED


def test_cancelling_tells_the_volunteer(city, volunteering):
    from civicideas.notifications.models import Notification

    with city_context(city):
        offer = services.offer_make(
            sponsor=None, need=volunteering["need"], by=volunteering["resident"], quantity=4
        )
        services.initiative_cancel(initiative=offer.initiative, by=volunteering["admin"])
        assert Notification.objects.filter(
            recipient=volunteering["resident"], kind="initiative_cancelled"
        ).exists()
