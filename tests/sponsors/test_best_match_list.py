"""The best-match initiative list read in few statements (sponsors.best_match,
issue 17): the same rows in the same order as the queryset it replaces, for
every filter and page; only this city's public initiatives; cards as before;
three data queries whatever the number of initiatives, cards rendered or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicideas.tenancy import city_context
from sponsors import best_match, rules, selectors
from sponsors.models import Initiative, InitiativeStatus, SponsorMatch
from tests.conftest import client_for, make_member
from tests.ideas.factories import CategoryFactory, DistrictFactory
from tests.ideas.test_views import data_queries
from tests.sponsors.factories import (
    GroupFactory,
    InitiativeFactory,
    NeedFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.django_db

URL = reverse("sponsors:initiatives")
STATUSES = list(InitiativeStatus)


@pytest.fixture
def scene(city, other_city):
    """36 initiatives, the newest two thirds partly resourced (so one status's
    rows fill the first pages, ties and all), the rest of every status
    (drafts and an unapproved group's among them), twelve published a day or
    not at all, with and without
    categories, district, open needs and the searched word; the sponsor's
    scores (tied, and some on initiatives nobody may see) and another
    sponsor's; and another city's initiatives."""
    with city_context(other_city):
        for n in range(4):
            InitiativeFactory(title=f"Garden elsewhere {n}")
    with city_context(city):
        approved, hidden = GroupFactory(), GroupFactory(approved_at=None)
        categories = [CategoryFactory(name=name) for name in ("Parks", "Arts", "Mobility")]
        districts = [DistrictFactory(), DistrictFactory()]
        sponsor, other = SponsorFactory(), SponsorFactory()
        now = timezone.now()
        for n in range(36):
            title = f"{'Garden' if n % 2 else 'Library'} {n}"
            initiative = InitiativeFactory(
                group=hidden if n % 11 == 0 else approved,
                status=InitiativeStatus.PARTLY if n < 24 else STATUSES[n % len(STATUSES)],
                title=title,
                published_at=None if n % 13 == 5 else now - timedelta(days=n // 12),
                district=districts[n % 2] if n % 4 else None,
            )
            initiative.categories.set(categories[: n % 4])
            Initiative.objects.filter(pk=initiative.pk).update(
                open_need_count=n % 3,
                open_need_types=["funding"] if n % 2 else ["space"],
                search_vector=SearchVector("title", config="english"),
            )
            if n % 2 == 0:
                SponsorMatch.objects.create(
                    city=city,
                    sponsor=sponsor,
                    initiative=initiative,
                    score=float(n % 3) * 10,
                    computed_at=now,
                )
            if n % 5 == 0:
                SponsorMatch.objects.create(
                    city=city, sponsor=other, initiative=initiative, score=99.0, computed_at=now
                )
    return {"sponsor": sponsor, "categories": categories, "districts": districts}


def _filter_sets(scene):
    parks, arts, _mobility = scene["categories"]
    return [
        {},
        {"open_only": True},
        {"category": parks.pk},
        {"district": scene["districts"][1].pk},
        {"need_type": "funding"},
        {"query": "garden"},
        {"category": arts.pk, "open_only": True, "query": "garden", "need_type": "funding"},
    ]


def test_pages_are_the_querysets_pages(city, scene):
    """Every filter, every page (and past the end): the rows, their order
    and their scores of ``selectors.initiative_list(sort="match")``."""
    sponsor_id = scene["sponsor"].pk
    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        for filters in _filter_sets(scene):
            expected = list(
                selectors.initiative_list(**filters, sort="match", sponsor_id=sponsor_id)
            )
            # Pages shorter than each status's rows: each part's cut matters.
            for offset in range(len(expected) + 2):
                page = best_match.best_match_page(
                    sponsor_id=sponsor_id, offset=offset, limit=3, setup=setup, **filters
                )
                want = expected[offset : offset + 3]
                assert [i.pk for i in page] == [i.pk for i in want], (filters, offset)
                assert [i.match_score for i in page] == [i.match_score for i in want]
            if not filters:
                # The scene shows all of it: scores first, unscored, hidden ones left out.
                assert any(i.match_score > 0 for i in expected)
                assert any(i.match_score == best_match.NO_MATCH for i in expected)
                assert all(i.city_id == city.pk and i.is_public for i in expected)


def test_cards_have_their_tags_and_no_hidden_columns(city, scene):
    """District and categories (by name) in place, as the ORM's prefetch
    leaves them; the card's columns loaded, the rest deferred."""
    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        page = best_match.best_match_page(
            sponsor_id=scene["sponsor"].pk, offset=0, limit=40, setup=setup
        )
        expected = {
            i.pk: i for i in selectors.initiative_list(sort="match", sponsor_id=scene["sponsor"].pk)
        }
        with CaptureQueriesContext(connection) as captured:
            for initiative in page:
                want = expected[initiative.pk]
                assert [c.name for c in initiative.categories.all()] == [
                    c.name for c in want.categories.all()
                ]
                assert initiative.district == want.district
                for name in best_match.CARD_FIELDS:
                    assert getattr(initiative, name) == getattr(want, name)
        assert not captured.captured_queries
        assert "description" in page[0].get_deferred_fields()


def test_setup_reads_choices_and_roles_once(city, scene):
    user = make_member(city)
    with city_context(city):
        SponsorMembershipFactory(sponsor=scene["sponsor"], user=user)
        expected = selectors.filter_options()
        with CaptureQueriesContext(connection) as captured:
            setup = best_match.list_setup(user)
            # Remembered for the rules: no second read of the roles.
            assert rules.sponsor_roles(user) == setup.sponsor_roles
        assert len(data_queries(captured.captured_queries)) == 1
        assert [(c.pk, c.name, c.translations) for c in setup.categories] == [
            (c.pk, c.name, c.translations) for c in expected[0]
        ]
        assert [(d.pk, d.name) for d in setup.districts] == [(d.pk, d.name) for d in expected[1]]
        assert setup.sponsor_id == scene["sponsor"].pk
        stranger = best_match.list_setup(make_member(city))
        assert stranger.sponsor_roles == {} and stranger.sponsor_id is None


def test_another_citys_setup_is_its_own(city, other_city, scene):
    user = make_member(city)
    with city_context(city):
        SponsorMembershipFactory(sponsor=scene["sponsor"], user=user)
    with city_context(other_city):
        setup = best_match.list_setup(user)
    assert setup.categories == [] and setup.districts == [] and setup.sponsor_roles == {}


def _many(city, n):
    with city_context(city):
        category, district = CategoryFactory(), DistrictFactory()
        for _ in range(n):
            initiative = InitiativeFactory(district=district)
            initiative.categories.set([category])
            NeedFactory(initiative=initiative)
            refresh(initiative)


@pytest.mark.parametrize("rendered", [False, True])
def test_three_data_queries_for_5_or_40_initiatives(city, settings, rendered):
    """The user, the setup, the page: three data queries (and a count when
    the list has more than one page and its total is not cached), as many
    for 40 initiatives as for 5, whether the cards come from the shared
    cache or are rendered (``PAGE_CACHE_SECONDS = 0``: no deferred column
    read by a card)."""
    if rendered:
        settings.PAGE_CACHE_SECONDS = 0
    user = make_member(city)
    with city_context(city):
        sponsor = SponsorFactory()
        SponsorMembershipFactory(sponsor=sponsor, user=user)
    client = client_for(user, city)
    counts = []
    for n in (5, 35):
        _many(city, n)
        with city_context(city):
            for initiative in Initiative.objects.order_by("pk")[:3]:
                SponsorMatch.objects.update_or_create(
                    sponsor=sponsor,
                    initiative=initiative,
                    defaults={"city": city, "score": 50.0, "computed_at": timezone.now()},
                )
        client.get(URL, {"sort": "match"})  # warm up the session and the total
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"sort": "match"})
        assert response.status_code == 200
        assert response.content.decode().count('class="card idea-card initiative-card"') == min(
            20, 5 if n == 5 else 40
        )
        counts.append(len(data_queries(captured.captured_queries)))
    assert counts == [3, 3], counts
