"""The best-match page and ``selectors.initiative_list`` share one definition
of which initiatives match the filters (``selectors.filtered_initiatives``,
compiled into the page's SQL by ``best_match._matches``): the same rows for
every filter, combination and hostile search text, never another city's;
``best_match.initiative_page`` chooses the reader for every sort; and
``best_match.list_setup`` gives what ``selectors.filter_options`` and
``rules.sponsor_roles`` give."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from civicideas.tenancy import city_context
from sponsors import best_match, rules, selectors
from sponsors.models import Initiative, SponsorMatch, SponsorMembership
from sponsors.selectors import QUERY_MAX, SORTS
from sponsors.views.common import PER_PAGE
from tests.conftest import client_for, make_member
from tests.factories import UserFactory
from tests.ideas.factories import CategoryFactory, DistrictFactory
from tests.sponsors.factories import SponsorFactory, SponsorMembershipFactory
from tests.sponsors.test_best_match_list import _filter_sets, scene  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

URL = reverse("sponsors:initiatives")

#: Search texts a visitor may type: quotes, backslashes, percent signs and
#: the placeholders of both parameter styles (the page's own names among
#: them), websearch operators, and more than ``QUERY_MAX`` characters.
HOSTILE = [
    "garden",
    "it's \"garden\" '; DROP TABLE sponsors_initiative; --",
    "back\\slash garden\\",
    "\\",
    "100% garden %",
    "%s",
    "%s %s garden",
    "%(city)s",
    "%(f0)s %(sponsor)s %(query)s garden",
    "%%",
    "garden OR library",
    "-garden",
    '"garden 1"',
    'garden -"library" or',
    '"',
    "OR",
    "garden " * 1500,
    "é∂ garden 🌱",
]


def _all(sponsor_id, filters, setup):
    return best_match.best_match_page(
        sponsor_id=sponsor_id, offset=0, limit=100, setup=setup, **filters
    )


def _rows(initiatives):
    return [(i.pk, i.match_score) for i in initiatives]


def test_every_filter_and_hostile_text_gives_the_querysets_rows(city, scene):  # noqa: F811
    """Each filter alone, combined, and each with every hostile search text:
    the rows and scores of ``selectors.initiative_list(sort="match")``, all
    of this city."""
    sponsor_id = scene["sponsor"].pk
    parks = scene["categories"][0]
    combos = [
        *_filter_sets(scene),
        {"category": parks.pk, "district": scene["districts"][1].pk},
        {"district": scene["districts"][0].pk, "need_type": "space", "open_only": True},
        {"category": parks.pk, "need_type": "funding", "query": "library"},
    ]
    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        cases = [*combos, *({**f, "query": q} for f in combos[:4] for q in HOSTILE)]
        searched = 0
        for filters in cases:
            expected = list(
                selectors.initiative_list(**filters, sort="match", sponsor_id=sponsor_id)
            )
            page = _all(sponsor_id, filters, setup)
            assert _rows(page) == _rows(expected), filters
            assert all(i.city_id == city.pk for i in page)
            searched += bool(page) and "query" in filters
        # The texts did find rows (not an empty list compared with another).
        assert searched > 10


def test_another_city_gets_its_own_rows_from_the_same_shape(city, other_city, scene):  # noqa: F811
    """The compiled filters are kept per city: after this city's pages, the
    same filters in another city list that city's initiatives, none of this
    one's, though they match the same words."""
    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        for filters in ({}, {"query": "garden"}, {"open_only": True}):
            assert _all(scene["sponsor"].pk, filters, setup)
    with city_context(other_city):
        sponsor = SponsorFactory()
        elsewhere = list(Initiative.objects.order_by("pk"))
        SponsorMatch.objects.create(
            city=other_city,
            sponsor=sponsor,
            initiative=elsewhere[-1],
            score=50.0,
            computed_at=timezone.now(),
        )
        setup = best_match.list_setup(make_member(other_city))
        for filters in ({}, {"query": "garden"}, {"open_only": True}):
            expected = list(
                selectors.initiative_list(**filters, sort="match", sponsor_id=sponsor.pk)
            )
            page = _all(sponsor.pk, filters, setup)
            assert _rows(page) == _rows(expected), filters
            assert {i.city_id for i in page} <= {other_city.pk}
        assert _all(sponsor.pk, {}, setup)[0].pk == elsewhere[-1].pk


def test_the_page_follows_the_querysets_definition(city, scene, monkeypatch):  # noqa: F811
    """The page's filters are ``filtered_initiatives``' own: a condition
    added there (as a future filter would be) applies to the page too."""
    sponsor_id = scene["sponsor"].pk
    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        before = _all(sponsor_id, {}, setup)
        left_out = {before[0].pk, before[-1].pk}
        original = selectors.filtered_initiatives
        monkeypatch.setattr(
            selectors,
            "filtered_initiatives",
            lambda **filters: original(**filters).exclude(pk__in=sorted(left_out)),
        )
        monkeypatch.setattr(best_match, "_memo", {})
        after = _all(sponsor_id, {}, setup)
    assert [i.pk for i in after] == [i.pk for i in before if i.pk not in left_out]


def test_a_literal_percent_sign_in_the_compiled_sql_stays_one(city, scene, monkeypatch):  # noqa: F811
    """Django escapes a literal ``%`` as ``%%`` in the SQL it compiles;
    turned into named parameters, it still means one percent sign."""
    sponsor_id = scene["sponsor"].pk
    original = selectors.filtered_initiatives

    def without_titles_ending_in_1(**filters):
        return original(**filters).extra(where=["sponsors_initiative.title NOT LIKE '%%1'"])

    with city_context(city):
        setup = best_match.list_setup(make_member(city))
        before = _all(sponsor_id, {"query": "garden"}, setup)
        monkeypatch.setattr(selectors, "filtered_initiatives", without_titles_ending_in_1)
        monkeypatch.setattr(best_match, "_memo", {})
        after = _all(sponsor_id, {"query": "garden"}, setup)
    assert [i.pk for i in after] == [i.pk for i in before if not i.title.endswith("1")]
    assert len(after) < len(before)


@pytest.mark.parametrize(
    "text", [*HOSTILE, "garden\x00", "\x00", "x" * 10_000, "garden\x00" + "%s" * 5000]
)
def test_the_page_with_hostile_text_lists_what_the_selector_does(city, scene, text):  # noqa: F811
    """Through the view: a 200 listing, page by page, what the selector
    lists for the text the form kept (text with NUL or longer than
    ``QUERY_MAX`` is dropped, as an invalid filter is)."""
    user = make_member(city)
    with city_context(city):
        SponsorMembershipFactory(sponsor=scene["sponsor"], user=user)
    client = client_for(user, city)
    for number in (1, 2):
        response = client.get(URL, {"sort": "match", "q": text, "page": number})
        assert response.status_code == 200
        kept = response.context["filters"]["q"]
        if "\x00" in text or len(text) > QUERY_MAX:
            assert kept == ""
        with city_context(city):
            expected = list(
                selectors.initiative_list(query=kept, sort="match", sponsor_id=scene["sponsor"].pk)
            )
        start = (number - 1) * PER_PAGE
        page = response.context["page"]
        assert [i.pk for i in page.items] == [i.pk for i in expected[start : start + PER_PAGE]]
        assert page.total == len(expected)


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("sponsoring", [True, False])
def test_initiative_page_reads_every_sort_as_the_selector_sorts(city, scene, sort, sponsoring):  # noqa: F811
    """Whichever reader serves the sort (best match for a sponsor's member,
    ``sorted_page`` otherwise, and for "match" without a sponsor), the
    pages and the total are the selector's."""
    user = make_member(city)
    with city_context(city):
        if sponsoring:
            SponsorMembershipFactory(sponsor=scene["sponsor"], user=user)
        setup = best_match.list_setup(user)
        for filters in _filter_sets(scene):
            expected = [
                i.pk
                for i in selectors.initiative_list(
                    **filters, sort=sort, sponsor_id=setup.sponsor_id
                )
            ]
            for number in (1, 2, 3):
                page = best_match.initiative_page(
                    setup=setup, sort=sort, page=number, per_page=7, **filters
                )
                assert [i.pk for i in page.items] == expected[(number - 1) * 7 : number * 7]
                assert page.total == len(expected), (sort, filters, number)


# --- the list's set-up ------------------------------------------------------------------


@pytest.fixture
def choices(city, other_city):
    """Categories and districts with translations, named so that case,
    accents and digits decide the order, in this city and another; a user
    with two sponsor memberships here (two roles) and one there."""
    user = UserFactory()
    for place, prefix in ((other_city, "Other "), (city, "")):
        with city_context(place):
            for name in ("parks", "Arts", "Été", "Zoo 2", "Zoo 10", "mobility"):
                CategoryFactory(
                    name=prefix + name,
                    translations={"fr": {"name": f"{name} (fr)"}, "nl": {"name": f"{name} (nl)"}},
                )
            for name in ("North", "centre", "Île", "East 1"):
                DistrictFactory(name=prefix + name, translations={"fr": {"name": f"{name} (fr)"}})
            SponsorMembershipFactory(user=user, role=SponsorMembership.Role.ADMIN)
            if place == city:
                SponsorMembershipFactory(user=user, role=SponsorMembership.Role.MEMBER)
    return user


def _loaded(objects):
    return [(type(o), o.pk, o.city_id, o.name, o.translations, str(o)) for o in objects]


@pytest.mark.parametrize("anonymous", [False, True])
def test_setup_gives_what_filter_options_and_sponsor_roles_give(
    city, other_city, choices, anonymous
):
    user = AnonymousUser() if anonymous else choices
    with city_context(city):
        categories, districts = selectors.filter_options()
        # A fresh copy of the user: nothing remembered by the set-up.
        roles = rules.sponsor_roles(
            AnonymousUser() if anonymous else type(user).objects.get(pk=user.pk)
        )
        setup = best_match.list_setup(user)
        assert _loaded(setup.categories) == _loaded(categories)
        assert _loaded(setup.districts) == _loaded(districts)
        assert setup.sponsor_roles == roles
        assert rules.sponsor_roles(user) == roles
    assert len(setup.categories) == 6 and len(setup.districts) == 4
    assert all(o.city_id == city.pk for o in [*setup.categories, *setup.districts])
    assert not any(o.name.startswith("Other ") for o in [*setup.categories, *setup.districts])
    if anonymous:
        assert roles == {} and setup.sponsor_id is None
    else:
        assert sorted(roles.values()) == ["admin", "member"]
        with city_context(other_city):
            elsewhere = list(SponsorMembership.objects.filter(user=user))
        assert len(elsewhere) == 1 and elsewhere[0].sponsor_id not in roles
        assert setup.sponsor_id == min(roles)
