"""Rules of the sponsors services, with the issue's hostile inputs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.status import IdeaStatus
from sponsors import services
from sponsors.models import (
    Initiative,
    InitiativeStatus,
    Introduction,
    MatchPledge,
    Need,
    Offer,
    ResourceType,
    Sponsor,
    Unit,
)
from tests.conftest import make_member
from tests.ideas.factories import CategoryFactory, IdeaFactory
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    InitiativeFactory,
    MatchFundFactory,
    NeedFactory,
    OfferFactory,
    SponsorFactory,
    admin_of,
    member_of_sponsor,
    refresh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(city):
    with city_context(city):
        initiative = InitiativeFactory()
        need = NeedFactory(initiative=initiative, quantity=Decimal("1000"))
        refresh(initiative)
        sponsor = SponsorFactory()
        sponsor_user = member_of_sponsor(sponsor)
        group_admin = admin_of(initiative.group)
    return {
        "initiative": initiative,
        "need": need,
        "sponsor": sponsor,
        "sponsor_user": sponsor_user,
        "group_admin": group_admin,
    }


# --- offers: hostile quantities -----------------------------------------------------------


@pytest.mark.parametrize(
    "quantity",
    [
        0,
        -5,
        Decimal("-0.01"),
        float("nan"),
        Decimal("NaN"),
        1e30,
        Decimal("1e30"),
        "100",
        "abc",
        float("inf"),
        None,
        True,
        Decimal("0.001"),
    ],
)
def test_offer_with_bad_quantity_is_refused_and_writes_nothing(city, setup, quantity):
    with city_context(city):
        with pytest.raises(InvalidInput) as error:
            services.offer_make(
                sponsor=setup["sponsor"],
                need=setup["need"],
                by=setup["sponsor_user"],
                quantity=quantity,
            )
        assert error.value.message
        assert Offer.objects.count() == 0
        assert Notification.objects.count() == 0


def test_offer_by_unverified_sponsor_is_refused(city, setup):
    with city_context(city):
        sponsor = SponsorFactory(verified_at=None)
        user = member_of_sponsor(sponsor)
        with pytest.raises(NotAllowed, match="verify"):
            services.offer_make(sponsor=sponsor, need=setup["need"], by=user, quantity=10)
        assert Offer.objects.count() == 0


def test_offer_by_non_member_is_refused(city, setup):
    outsider = make_member(city)
    with city_context(city), pytest.raises(NotAllowed):
        services.offer_make(sponsor=setup["sponsor"], need=setup["need"], by=outsider, quantity=10)


@pytest.mark.parametrize("how", ["closed", "full", "cancelled", "draft", "past_deadline"])
def test_offer_on_closed_need_is_refused(city, setup, how):
    with city_context(city):
        need = setup["need"]
        if how == "closed":
            Need.objects.filter(pk=need.pk).update(closed_at=timezone.now())
        elif how == "full":
            Need.objects.filter(pk=need.pk).update(fulfilled=need.quantity)
        elif how == "cancelled":
            Initiative.objects.filter(pk=need.initiative_id).update(
                status=InitiativeStatus.CANCELLED
            )
        elif how == "draft":
            Initiative.objects.filter(pk=need.initiative_id).update(status=InitiativeStatus.DRAFT)
        else:
            Need.objects.filter(pk=need.pk).update(
                deadline=timezone.localdate() - timedelta(days=1)
            )
        need.refresh_from_db()
        with pytest.raises(Conflict):
            services.offer_make(
                sponsor=setup["sponsor"], need=need, by=setup["sponsor_user"], quantity=10
            )
        assert Offer.objects.count() == 0


def test_offer_on_another_citys_need_is_refused(city, other_city, setup):
    with city_context(other_city):
        foreign_need = NeedFactory()
    with city_context(city):
        with pytest.raises(InvalidInput):
            services.offer_make(
                sponsor=setup["sponsor"], need=foreign_need, by=setup["sponsor_user"], quantity=5
            )
        assert Offer.objects.count() == 0
    with city_context(other_city):
        assert Offer.objects.count() == 0


def test_offer_writes_offer_and_notifies_group_admins(city, setup):
    with city_context(city):
        offer = services.offer_make(
            sponsor=setup["sponsor"],
            need=setup["need"],
            by=setup["sponsor_user"],
            quantity=Decimal("250.50"),
            message="<script>alert(1)</script>",
        )
        assert offer.state == Offer.State.OFFERED
        assert offer.quantity == Decimal("250.50")
        assert offer.message == "<script>alert(1)</script>"  # stored as typed, escaped on display
        assert list(
            Notification.objects.filter(kind="offer_received").values_list(
                "recipient_id", flat=True
            )
        ) == [setup["group_admin"].pk]


# --- accepting ---------------------------------------------------------------------------------


def _offer(setup, quantity):
    return services.offer_make(
        sponsor=setup["sponsor"], need=setup["need"], by=setup["sponsor_user"], quantity=quantity
    )


def test_accept_raises_fulfilled_and_status_follows(city, setup):
    with city_context(city):
        offer = _offer(setup, 400)
        result = services.offer_accept(offer=offer, by=setup["group_admin"])
        assert result.accepted == Decimal("400")
        need = Need.objects.get(pk=setup["need"].pk)
        assert need.fulfilled == Decimal("400")
        initiative = Initiative.objects.get(pk=setup["initiative"].pk)
        assert initiative.status == InitiativeStatus.PARTLY
        assert initiative.funding_remaining == Decimal("600")
        assert Offer.objects.get(pk=offer.pk).state == Offer.State.ACCEPTED
        kinds = set(Notification.objects.values_list("kind", flat=True))
        assert {"offer_accepted"} <= kinds
        assert Notification.objects.filter(
            kind="offer_accepted", recipient=setup["sponsor_user"]
        ).exists()

        second = _offer(setup, 600)
        services.offer_accept(offer=second, by=setup["group_admin"])
        initiative.refresh_from_db()
        assert initiative.status == InitiativeStatus.FULLY
        assert initiative.open_need_count == 0


def test_accepting_more_than_needed_is_refused_with_remaining(city, setup):
    with city_context(city):
        first = _offer(setup, 800)
        second = _offer(setup, 800)
        services.offer_accept(offer=first, by=setup["group_admin"])
        with pytest.raises(Conflict, match="200"):
            services.offer_accept(offer=second, by=setup["group_admin"])
        assert Need.objects.get(pk=setup["need"].pk).fulfilled == Decimal("800")
        # A partial acceptance of the rest is possible.
        services.offer_accept(offer=second, by=setup["group_admin"], quantity=Decimal("200"))
        second.refresh_from_db()
        assert second.state == Offer.State.PARTLY_ACCEPTED
        assert second.accepted_quantity == Decimal("200")
        assert Need.objects.get(pk=setup["need"].pk).fulfilled == Decimal("1000")


def test_accept_more_than_offered_is_refused(city, setup):
    with city_context(city):
        offer = _offer(setup, 100)
        with pytest.raises(InvalidInput):
            services.offer_accept(offer=offer, by=setup["group_admin"], quantity=Decimal("150"))


def test_accepting_twice_is_a_conflict(city, setup):
    with city_context(city):
        offer = _offer(setup, 100)
        services.offer_accept(offer=offer, by=setup["group_admin"])
        with pytest.raises(Conflict):
            services.offer_accept(offer=offer, by=setup["group_admin"])
        assert Need.objects.get(pk=setup["need"].pk).fulfilled == Decimal("100")


def test_admin_of_group_a_cannot_accept_on_group_b(city, setup):
    with city_context(city):
        other_initiative = InitiativeFactory()
        other_admin = admin_of(other_initiative.group)
        plain_member = admin_of(GroupFactory())
        offer = _offer(setup, 100)
        for user in (other_admin, plain_member, setup["sponsor_user"]):
            with pytest.raises(NotAllowed):
                services.offer_accept(offer=offer, by=user)
            with pytest.raises(NotAllowed):
                services.offer_decline(offer=offer, by=user)
        assert Offer.objects.get(pk=offer.pk).state == Offer.State.OFFERED
        assert Need.objects.get(pk=setup["need"].pk).fulfilled == 0


def test_staff_without_group_membership_cannot_accept(city, setup):
    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        offer = _offer(setup, 100)
        with pytest.raises(NotAllowed):
            services.offer_accept(offer=offer, by=staff)


def test_decline_and_withdraw(city, setup):
    with city_context(city):
        offer = _offer(setup, 100)
        services.offer_decline(offer=offer, by=setup["group_admin"], reason="Not needed")
        assert Offer.objects.get(pk=offer.pk).state == Offer.State.DECLINED
        assert Notification.objects.filter(kind="offer_declined").count() == 1
        other = _offer(setup, 100)
        services.offer_withdraw(offer=other, by=setup["sponsor_user"])
        assert Offer.objects.get(pk=other.pk).state == Offer.State.WITHDRAWN
        with pytest.raises(Conflict):
            services.offer_accept(offer=other, by=setup["group_admin"])


# --- match fund -----------------------------------------------------------------------------------


def test_match_fund_matches_within_cap_and_fills_need(city, setup):
    with city_context(city):
        fund = MatchFundFactory(ratio=Decimal("1"), cap_per_initiative=Decimal("300"))
        result = services.offer_accept(offer=_offer(setup, 200), by=setup["group_admin"])
        assert result.matched == Decimal("200")
        result = services.offer_accept(offer=_offer(setup, 200), by=setup["group_admin"])
        assert result.matched == Decimal("100")  # the cap per initiative
        fund.refresh_from_db()
        assert fund.committed == Decimal("300")
        assert Need.objects.get(pk=setup["need"].pk).fulfilled == Decimal("700")
        assert MatchPledge.objects.count() == 2


def test_match_never_fills_beyond_the_need(city, setup):
    with city_context(city):
        MatchFundFactory(ratio=Decimal("2"), cap_per_initiative=Decimal("5000"))
        result = services.offer_accept(offer=_offer(setup, 600), by=setup["group_admin"])
        assert result.matched == Decimal("400")
        assert Need.objects.get(pk=setup["need"].pk).fulfilled == Decimal("1000")


def test_no_match_for_non_funding_needs(city, setup):
    with city_context(city):
        MatchFundFactory()
        need = NeedFactory(
            initiative=setup["initiative"],
            kind=ResourceType.VOLUNTEERS,
            unit=Unit.PEOPLE,
            quantity=Decimal("10"),
        )
        offer = OfferFactory(sponsor=setup["sponsor"], need=need, quantity=Decimal("5"))
        result = services.offer_accept(offer=offer, by=setup["group_admin"])
        assert result.matched == 0
        assert MatchPledge.objects.count() == 0


def test_match_fund_budget_cannot_drop_below_committed(city, setup):
    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        MatchFundFactory(cap_per_initiative=Decimal("500"))
        services.offer_accept(offer=_offer(setup, 300), by=setup["group_admin"])
        with pytest.raises(Conflict):
            services.match_fund_set(
                by=staff, name="Fund", ratio=1, cap_per_initiative=500, total_budget=100
            )
        fund = services.match_fund_set(
            by=staff,
            name="Fund",
            ratio=Decimal("0.5"),
            cap_per_initiative=500,
            total_budget=Decimal("5000"),
        )
        assert fund.ratio == Decimal("0.50")


# --- groups, initiatives, sponsors ----------------------------------------------------------------


def test_group_lifecycle(city):
    citizen = make_member(city)
    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        group = services.group_create(
            by=citizen, name="<b>Gardeners</b>", contact_email="g@example.org"
        )
        assert not group.is_approved
        assert Notification.objects.filter(kind="group_to_approve", recipient=staff).exists()
        with pytest.raises(NotAllowed):
            services.group_approve(group=group, by=citizen)
        initiative = services.initiative_create(group=group, by=citizen, title="Garden")
        with pytest.raises(NotAllowed, match="approved"):
            services.initiative_publish(initiative=initiative, by=citizen)
        services.group_approve(group=group, by=staff)
        services.need_add(
            initiative=initiative, by=citizen, kind="funding", quantity=Decimal("500"), unit="eur"
        )
        initiative = services.initiative_publish(initiative=initiative, by=citizen)
        assert initiative.status == InitiativeStatus.SEEKING
        assert initiative.open_need_types == ["funding"]
        services.initiative_complete(initiative=initiative, by=citizen)
        assert Initiative.objects.get(pk=initiative.pk).status == InitiativeStatus.COMPLETED
        with pytest.raises(Conflict):
            services.initiative_cancel(initiative=initiative, by=citizen)


@pytest.mark.parametrize(
    ("close", "kind"),
    [
        (services.initiative_complete, "initiative_completed"),
        (services.initiative_cancel, "initiative_cancelled"),
    ],
)
def test_closing_tells_pending_and_helping_sponsors_and_the_group(city, setup, close, kind):
    """It once told only sponsors with pending offers: closing an initiative
    whose offers were all accepted told nobody."""
    with city_context(city):
        initiative, need = setup["initiative"], setup["need"]
        helper = OfferFactory(need=need, sponsor=setup["sponsor"])
        services.offer_accept(offer=helper, by=setup["group_admin"])
        waiting_sponsor = SponsorFactory()
        waiting_user = member_of_sponsor(waiting_sponsor)
        waiting = OfferFactory(need=need, sponsor=waiting_sponsor)
        declined_sponsor = SponsorFactory()
        declined_user = member_of_sponsor(declined_sponsor)
        services.offer_decline(
            offer=OfferFactory(need=need, sponsor=declined_sponsor),
            by=setup["group_admin"],
            reason="No thanks.",
        )
        teammate = GroupMembershipFactory(group=initiative.group, role="member").user
        close(initiative=initiative, by=setup["group_admin"])
        told = set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))
        assert told == {setup["sponsor_user"].pk, waiting_user.pk, teammate.pk}
        assert declined_user.pk not in told
        assert Offer.objects.get(pk=waiting.pk).state == Offer.State.DECLINED


@pytest.mark.parametrize("quantity", [0, -1, float("nan"), 1e30, "12"])
def test_need_with_bad_quantity_is_refused(city, quantity):
    with city_context(city):
        initiative = InitiativeFactory()
        user = admin_of(initiative.group)
        with pytest.raises(InvalidInput):
            services.need_add(
                initiative=initiative, by=user, kind="funding", quantity=quantity, unit="eur"
            )
        assert Need.objects.count() == 0


def test_need_unit_must_fit_type(city):
    with city_context(city):
        initiative = InitiativeFactory()
        user = admin_of(initiative.group)
        with pytest.raises(InvalidInput):
            services.need_add(initiative=initiative, by=user, kind="funding", quantity=5, unit="m2")


def test_initiative_from_idea_needs_accepted_idea_and_its_author(city):
    with city_context(city):
        group = GroupFactory()
        author = admin_of(group)
        idea = IdeaFactory(author=author, status=IdeaStatus.PUBLISHED)
        # A conflict with the idea's state, as the conversion page says (409).
        with pytest.raises(Conflict):
            services.initiative_create(group=group, by=author, title="X", source_idea=idea)
        idea.status = IdeaStatus.ACCEPTED
        idea.save()
        stranger_group = GroupFactory()
        stranger = admin_of(stranger_group)
        with pytest.raises(NotAllowed):
            services.initiative_create(
                group=stranger_group, by=stranger, title="X", source_idea=idea
            )
        initiative = services.initiative_create(group=group, by=author, title="X", source_idea=idea)
        assert initiative.source_idea_id == idea.pk


def test_initiative_refuses_other_citys_category(city, other_city):
    with city_context(other_city):
        foreign = CategoryFactory()
    with city_context(city):
        group = GroupFactory()
        user = admin_of(group)
        with pytest.raises(InvalidInput):
            services.initiative_create(group=group, by=user, title="X", categories=[foreign])
        assert Initiative.objects.count() == 0


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>",
        "ftp://x.org",
        "//evil.example",
        "http://",
        " javascript:alert(1)",
    ],
)
def test_sponsor_website_must_be_http(city, website):
    user = make_member(city)
    with city_context(city):
        with pytest.raises(InvalidInput):
            services.sponsor_register(
                by=user,
                name="Acme",
                kind="business",
                contact_email="a@example.org",
                website=website,
                resource_types=["funding"],
            )
        assert Sponsor.objects.count() == 0


def test_sponsor_register_and_verify(city):
    user = make_member(city)
    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        sponsor = services.sponsor_register(
            by=user,
            name="Acme <script>",
            kind="business",
            contact_email="a@example.org",
            website="https://acme.example",
            resource_types=["funding", "space"],
            budget_min=Decimal("1000"),
            budget_max=Decimal("5000"),
        )
        assert not sponsor.is_verified
        with pytest.raises(NotAllowed):
            services.sponsor_verify(sponsor=sponsor, by=user)
        services.sponsor_verify(sponsor=sponsor, by=staff)
        assert Sponsor.objects.get(pk=sponsor.pk).is_verified
        assert Notification.objects.filter(kind="sponsor_verified", recipient=user).exists()
        with pytest.raises(InvalidInput):
            services.sponsor_update(sponsor=sponsor, by=user, budget_min=Decimal("9000"))


def test_introduction_by_facilitator_notifies_both_sides(city, setup):
    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        with pytest.raises(NotAllowed):
            services.introduction_make(
                sponsor=setup["sponsor"], initiative=setup["initiative"], by=setup["group_admin"]
            )
        intro = services.introduction_make(
            sponsor=setup["sponsor"], initiative=setup["initiative"], by=staff, message="Meet!"
        )
        again = services.introduction_make(
            sponsor=setup["sponsor"], initiative=setup["initiative"], by=staff
        )
        assert again.pk == intro.pk
        assert Introduction.objects.count() == 1
        recipients = set(
            Notification.objects.filter(kind="introduction").values_list("recipient_id", flat=True)
        )
        assert recipients == {setup["sponsor_user"].pk, setup["group_admin"].pk}


def test_introduction_across_cities_is_refused(city, other_city, setup):
    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(other_city):
        foreign_sponsor = SponsorFactory()
    with city_context(city):
        with pytest.raises(InvalidInput):
            services.introduction_make(
                sponsor=foreign_sponsor, initiative=setup["initiative"], by=staff
            )
        assert Introduction.objects.count() == 0
