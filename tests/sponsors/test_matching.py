"""The scoring function, its explanation, and full vs incremental recompute."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from civicideas.tenancy import city_context
from sponsors import matching, services
from sponsors.models import (
    Initiative,
    InitiativeStatus,
    ResourceType,
    SponsorMatch,
    Unit,
)
from tests.ideas.factories import CategoryFactory, DistrictFactory
from tests.sponsors.factories import (
    InitiativeFactory,
    NeedFactory,
    SponsorFactory,
    refresh,
)

pytestmark = pytest.mark.django_db


def _search(obj):
    if isinstance(obj, Initiative):
        services._refresh_initiative_search(obj)
    else:
        services._refresh_sponsor_search(obj)


@pytest.fixture
def world(city):
    with city_context(city):
        mobility, green, culture = (
            CategoryFactory(name=n) for n in ("Mobility", "Green", "Culture")
        )
        north, south = DistrictFactory(name="North"), DistrictFactory(name="South")
        sponsor = SponsorFactory(
            description="Bicycles and cycling lanes for commuters",
            resource_types=["funding", "expertise"],
            budget_max=Decimal("5000"),
        )
        sponsor.categories.set([mobility, green])
        sponsor.districts.set([north])
        _search(sponsor)

        best = InitiativeFactory(
            title="Cycling lanes in North", summary="Safer bicycles", district=north
        )
        best.categories.set([mobility, green])
        NeedFactory(
            initiative=best,
            quantity=Decimal("1200"),
            deadline=timezone.localdate() + timedelta(days=7),
        )
        middle = InitiativeFactory(title="Street theatre", district=south)
        middle.categories.set([culture, green])
        NeedFactory(initiative=middle, quantity=Decimal("9000"))
        NeedFactory(initiative=middle, kind=ResourceType.SPACE, unit=Unit.SQM, quantity=50)
        no_fit = InitiativeFactory(title="Room for a choir", district=north)
        no_fit.categories.set([culture])
        NeedFactory(initiative=no_fit, kind=ResourceType.SPACE, unit=Unit.SQM, quantity=50)
        draft = InitiativeFactory(title="Cycling draft", status=InitiativeStatus.DRAFT)
        NeedFactory(initiative=draft)
        for initiative in (best, middle, no_fit, draft):
            refresh(initiative)
            _search(initiative)
    return {"sponsor": sponsor, "best": best, "middle": middle, "no_fit": no_fit, "draft": draft}


def test_components_and_ranking(city, world):
    with city_context(city):
        matching.recompute_sponsor(world["sponsor"].pk)
        rows = list(SponsorMatch.objects.filter(sponsor=world["sponsor"]).order_by("-score"))
        assert [m.initiative_id for m in rows] == [world["best"].pk, world["middle"].pk]
        best, middle = rows
        c = best.explanation["components"]
        assert c["category"] == 1.0
        assert c["district"] == 1.0
        assert c["resource"] == 1.0
        assert c["budget"] == 1.0  # 5,000 covers 1,200
        assert c["text"] > 0.3
        assert c["urgency"] == 1.0  # 7 days away
        weights = matching.weights_for(city)
        expected = 100 * sum(weights[k] * best.explanation["components"][k] for k in weights)
        assert best.score == pytest.approx(expected, abs=0.2)
        assert best.score > 90
        m = middle.explanation["components"]
        assert m["category"] == 0.5 and m["district"] == 0.0 and m["resource"] == 0.5
        assert m["budget"] == pytest.approx(0.56, abs=0.01)
        assert best.explanation["categories"] == ["Green", "Mobility"]
        assert best.explanation["resources"] == ["funding"]
        reasons = matching.explain(best.explanation)
        assert reasons[0] == "shares categories: Green, Mobility"
        assert "in your district" in reasons
        assert "needs funding you offer" in reasons
        assert "1,200 EUR still needed" in reasons


def test_weights_from_settings_per_city(city, world, settings):
    settings.SPONSOR_MATCH_WEIGHTS = {
        "riverton": {
            "category": 1,
            "district": 0,
            "resource": 0,
            "budget": 0,
            "text": 0,
            "urgency": 0,
        }
    }
    weights = matching.weights_for(city)
    assert weights["category"] == 1.0 and sum(weights.values()) == pytest.approx(1.0)
    with city_context(city):
        matching.recompute_sponsor(world["sponsor"].pk)
        scores = dict(SponsorMatch.objects.values_list("initiative_id", "score"))
        assert scores[world["best"].pk] == 100.0
        assert scores[world["middle"].pk] == 50.0


def test_incremental_recompute_follows_a_change(city, world):
    with city_context(city):
        matching.recompute_all(city)
    with city_context(city):
        assert SponsorMatch.objects.filter(initiative=world["no_fit"]).count() == 0
        # The choir now needs funding too: it becomes a match.
        NeedFactory(initiative=world["no_fit"], quantity=Decimal("300"))
        refresh(world["no_fit"])
        matching.recompute_initiative(world["no_fit"].pk)
        assert SponsorMatch.objects.filter(initiative=world["no_fit"]).count() == 1
        # Cancelled: its rows go.
        Initiative.objects.filter(pk=world["best"].pk).update(status=InitiativeStatus.CANCELLED)
        matching.recompute_initiative(world["best"].pk)
        assert not SponsorMatch.objects.filter(initiative=world["best"]).exists()


def test_incremental_keeps_top_k(city, world, monkeypatch):
    monkeypatch.setattr(matching, "TOP_K", 1)
    with city_context(city):
        matching.recompute_sponsor(world["sponsor"].pk)
        assert list(SponsorMatch.objects.values_list("initiative_id", flat=True)) == [
            world["best"].pk
        ]
        matching.recompute_initiative(world["middle"].pk)  # lower score: not kept
        assert SponsorMatch.objects.count() == 1
        better = InitiativeFactory(
            title="Cycling lanes for commuters", district=world["best"].district
        )
        better.categories.set(world["best"].categories.all())
        NeedFactory(
            initiative=better,
            quantity=Decimal("100"),
            deadline=timezone.localdate() + timedelta(days=3),
        )
        refresh(better)
        _search(better)
        matching.recompute_initiative(better.pk)
        assert SponsorMatch.objects.count() == 1


def test_candidates_for_an_initiative(city, world):
    with city_context(city):
        other = SponsorFactory(resource_types=["space"], verified_at=None)
        candidates = matching.candidates_for(world["middle"])
        assert [c.sponsor.pk for c in candidates] == [world["sponsor"].pk, other.pk] or [
            c.sponsor.pk for c in candidates
        ] == [other.pk, world["sponsor"].pk]
        assert all(c.reasons for c in candidates), [(c.explanation, c.reasons) for c in candidates]
        verified = matching.candidates_for(world["middle"], verified_only=True)
        assert [c.sponsor.pk for c in verified] == [world["sponsor"].pk]


def test_matches_stay_in_their_city(city, other_city, world):
    with city_context(other_city):
        SponsorFactory()
        foreign = InitiativeFactory()
        NeedFactory(initiative=foreign)
        refresh(foreign)
        matching.recompute_all(other_city)
    with city_context(city):
        matching.recompute_all(city)
        assert not SponsorMatch.objects.filter(initiative=foreign).exists()
    with city_context(other_city):
        assert SponsorMatch.objects.count() == 1


def test_sponsor_without_profile_text_or_categories_still_matches(city):
    with city_context(city):
        sponsor = SponsorFactory(description="", name="X", resource_types=["funding"])
        initiative = InitiativeFactory()
        NeedFactory(initiative=initiative)
        refresh(initiative)
        assert matching.recompute_sponsor(sponsor.pk) == 1
        match = SponsorMatch.objects.get()
        assert match.explanation["components"]["category"] == 0.5
