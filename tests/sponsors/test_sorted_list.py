"""The public initiative list sorted newest first, closing soon or most
needed, read by ``best_match.sorted_page`` from the indexes serving each
order (issue 17): the same rows in the same order as before -- ties on the
published time, the deadline and the needs broken by the newest id, null
dates last -- for every filter and page; hostile sort values are the
default order, as before; three data queries whatever the list's length."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicideas.tenancy import city_context
from sponsors import best_match, selectors
from sponsors.models import Initiative
from tests.conftest import client_for, make_member
from tests.ideas.test_views import data_queries
from tests.sponsors.test_best_match_list import _filter_sets, _many
from tests.sponsors.test_best_match_list import scene as best_match_scene  # noqa: F401

pytestmark = pytest.mark.django_db

URL = reverse("sponsors:initiatives")

#: The orders as they were written before ``selectors.LIST_ORDERS``: Python
#: sort keys (ascending), nulls last, the newest id breaking every tie.
_FAR = timezone.now() + timedelta(days=10**5)
BEFORE = {
    "newest": lambda i: (
        i.published_at is None,
        -(i.published_at or _FAR).timestamp(),
        -i.pk,
    ),
    "closing": lambda i: (i.next_deadline is None, i.next_deadline or _FAR.date(), -i.pk),
    "needed": lambda i: (-i.open_need_count, -i.funding_remaining, -i.pk),
}


@pytest.fixture
def sorted_scene(city, best_match_scene):  # noqa: F811
    """The best-match scene (twelve initiatives published at each instant,
    some never; open need counts 0-2; drafts, an unapproved group's, another
    city's) with deadlines shared by many, or none, and funding tied."""
    today = timezone.localdate()
    with city_context(city):
        for n, pk in enumerate(Initiative.objects.order_by("pk").values_list("pk", flat=True)):
            Initiative.objects.filter(pk=pk).update(
                next_deadline=None if n % 5 == 0 else today + timedelta(days=n % 4),
                funding_remaining=Decimal(100 * (n % 2)),
            )
    return best_match_scene


def _before(sort, filters):
    rows = list(selectors.filtered_initiatives(**filters))
    return [i.pk for i in sorted(rows, key=BEFORE.get(sort, BEFORE["newest"]))]


@pytest.mark.parametrize("sort", ["newest", "closing", "needed", "match", "unknown"])
def test_every_page_has_the_rows_and_order_of_before(city, sorted_scene, sort):
    """Every filter, every offset (and past the end): the rows and order of
    the orders as written before, which ``selectors.initiative_list`` still
    gives; "match" without a sponsor and any unknown sort are newest first."""
    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        for filters in _filter_sets(sorted_scene):
            expected = _before(sort, filters)
            queryset = selectors.initiative_list(**filters, sort=sort)
            assert [i.pk for i in queryset] == expected, (sort, filters)
            for offset in range(len(expected) + 2):
                page = best_match.sorted_page(
                    sort=sort, offset=offset, limit=3, setup=setup, **filters
                )
                assert [i.pk for i in page] == expected[offset : offset + 3], (filters, offset)
        # The scene has the ties the orders must break.
        everything = list(selectors.filtered_initiatives())
        for column in ("published_at", "next_deadline", "open_need_count"):
            values = [getattr(i, column) for i in everything]
            assert len(set(values)) < len(values), column
        assert None in {i.published_at for i in everything}
        assert None in {i.next_deadline for i in everything}


def test_cards_are_the_querysets_cards(city, sorted_scene):
    """Cards' columns, district and categories (by name) as the queryset's."""
    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        page = best_match.sorted_page(sort="closing", offset=0, limit=100, setup=setup)
        expected = {i.pk: i for i in selectors.initiative_list(sort="closing")}
        for initiative in page:
            want = expected[initiative.pk]
            for column in best_match.CARD_FIELDS:
                assert getattr(initiative, column) == getattr(want, column), column
            assert initiative.district == want.district
            assert list(initiative.categories.all()) == list(want.categories.all())
            assert not hasattr(initiative, "match_score")


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "../../"},
        {"sort": "x" * 10_000},
        {"sort[]": "x"},
        {"sort": "relevance"},
        {"sort": ""},
        {},
    ],
)
def test_hostile_sort_values_list_newest_first(city, sorted_scene, query):
    """An unknown sort is dropped by the form, as before: the default order."""
    client = client_for(make_member(city), city)
    response = client.get(URL, query)
    assert response.status_code == 200
    with city_context(city):
        expected = _before("newest", {})[:20]
    assert [i.pk for i in response.context["page"].items] == expected


@pytest.mark.parametrize("sort", ["newest", "closing", "needed"])
def test_three_data_queries_for_5_or_40_initiatives(city, sort):
    """The user, the setup, the page (with the cards' categories): as many
    data queries for 40 initiatives as for 5 (the total is cached)."""
    client = client_for(make_member(city), city)
    counts = []
    for n in (5, 35):
        _many(city, n)
        client.get(URL, {"sort": sort})  # warm up the session and the total
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"sort": sort})
        assert response.status_code == 200
        assert len(response.context["page"].items) == min(20, 5 if n == 5 else 40)
        counts.append(len(data_queries(captured.captured_queries)))
    assert counts == [3, 3], counts
