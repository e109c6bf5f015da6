"""Parallel acceptances with real connections in threads: the need and the
match fund stay within their limits, and the loser gets a clear message."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from civicideas.errors import Conflict, ServiceError
from civicideas.tenancy import city_context
from sponsors import services
from sponsors.models import MatchFund, MatchPledge, Need, Offer
from tests.sponsors.factories import (
    InitiativeFactory,
    MatchFundFactory,
    NeedFactory,
    OfferFactory,
    SponsorFactory,
    admin_of,
    refresh,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _race(city, calls):
    """Run each call in its own thread and connection, released together."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=10)
            with city_context(city):
                return call()
        except ServiceError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_acceptances_exceeding_the_need_keep_it_within_quantity(city):
    with city_context(city):
        need = NeedFactory(quantity=Decimal("1000"))
        refresh(need.initiative)
        admin = admin_of(need.initiative.group)
        sponsor = SponsorFactory()
        offers = [OfferFactory(sponsor=sponsor, need=need, quantity=Decimal("800")) for _ in "ab"]
    results = _race(city, [lambda o=o: services.offer_accept(offer=o, by=admin) for o in offers])
    errors = [r for r in results if isinstance(r, ServiceError)]
    assert len(errors) == 1
    assert isinstance(errors[0], Conflict)
    assert "200" in errors[0].message  # tells how much is still needed
    with city_context(city):
        assert Need.objects.get(pk=need.pk).fulfilled == Decimal("800")
        states = sorted(Offer.objects.values_list("state", flat=True))
        assert states == [Offer.State.ACCEPTED, Offer.State.OFFERED]


def test_parallel_acceptances_never_overcommit_the_match_fund(city):
    with city_context(city):
        fund = MatchFundFactory(
            ratio=Decimal("1"), cap_per_initiative=Decimal("1000"), total_budget=Decimal("300")
        )
        offers, admins = [], []
        for _ in range(4):
            need = NeedFactory(initiative=InitiativeFactory(), quantity=Decimal("5000"))
            refresh(need.initiative)
            admins.append(admin_of(need.initiative.group))
            offers.append(OfferFactory(need=need, quantity=Decimal("200")))
    results = _race(
        city,
        [
            lambda o=o, a=a: services.offer_accept(offer=o, by=a)
            for o, a in zip(offers, admins, strict=True)
        ],
    )
    assert not [r for r in results if isinstance(r, ServiceError)]
    matched = sorted(r.matched for r in results)
    assert matched == [Decimal(0), Decimal(0), Decimal("100"), Decimal("200")]
    assert any(r.fund_exhausted for r in results)
    with city_context(city):
        fund = MatchFund.objects.get(pk=fund.pk)
        assert fund.committed == Decimal("300")
        assert sum(p.amount for p in MatchPledge.objects.all()) == Decimal("300")


def test_parallel_acceptances_respect_the_cap_per_initiative(city):
    with city_context(city):
        MatchFundFactory(cap_per_initiative=Decimal("250"), total_budget=Decimal("10000"))
        initiative = InitiativeFactory()
        needs = [NeedFactory(initiative=initiative, quantity=Decimal("1000")) for _ in range(3)]
        refresh(initiative)
        admin = admin_of(initiative.group)
        offers = [OfferFactory(need=n, quantity=Decimal("200")) for n in needs]
    _race(city, [lambda o=o: services.offer_accept(offer=o, by=admin) for o in offers])
    with city_context(city):
        assert sum(p.amount for p in MatchPledge.objects.all()) == Decimal("250")
        assert MatchFund.objects.get().committed == Decimal("250")
