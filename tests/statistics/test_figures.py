"""The figures against values computed by hand (see conftest's table)."""

from __future__ import annotations

from datetime import date

import pytest

from civicideas.statistics.compute import statistics_compute
from civicideas.tenancy import city_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def payload(city, fixture_city):
    with city_context(city):
        return statistics_compute(city=city)


def _months(payload):
    return {row["month"]: row for row in payload["months"]}


def test_window_is_twelve_months_with_empty_ones_as_zero(payload):
    months = [row["month"] for row in payload["months"]]
    assert months[0] == date(2025, 7, 1)
    assert months[-1] == date(2026, 6, 1)
    assert len(months) == 12
    empty = {"ideas": 0, "supports": 0, "comments": 0, "participants": 0}
    feb = _months(payload)[date(2026, 2, 1)]
    assert {k: feb[k] for k in empty} == empty  # the other city's February activity is not here


def test_ideas_supports_comments_and_participants_per_month(payload):
    months = _months(payload)
    jan, mar, apr = months[date(2026, 1, 1)], months[date(2026, 3, 1)], months[date(2026, 4, 1)]
    # The withdrawn idea is not received; its author took no part.
    assert (jan["ideas"], jan["supports"], jan["comments"], jan["participants"]) == (3, 2, 0, 5)
    assert (mar["ideas"], mar["supports"], mar["comments"], mar["participants"]) == (3, 1, 1, 5)
    # A comment its author deleted is neither a comment nor participation.
    assert (apr["comments"], apr["participants"]) == (0, 0)


def test_share_and_days_to_first_official_answer(payload):
    everything = payload["answers"]["all"]
    # Days [2, 4, 4, 10]: median (4 + 4) / 2; p90 at rank 0.9 * 3 = 2.7,
    # 4 + 0.7 * (10 - 4) = 8.2. Two of six public ideas unanswered.
    assert everything == {
        "key": None,
        "public": 6,
        "answered": 4,
        "share": 0.6667,
        "median_days": 4.0,
        "p90_days": 8.2,
    }


def test_answers_per_month_of_publication(payload):
    months = {row["key"]: row for row in payload["answers"]["months"]}
    assert len(months) == 12
    jan = months[date(2026, 1, 1)]
    # [2, 4, 4]: the tie is the median; p90 at rank 1.8 is between two 4s.
    assert (jan["public"], jan["answered"], jan["share"]) == (3, 3, 1.0)
    assert (jan["median_days"], jan["p90_days"]) == (4.0, 4.0)
    feb = months[date(2026, 2, 1)]
    assert (feb["public"], feb["answered"], feb["share"], feb["median_days"]) == (0, 0, None, None)
    mar = months[date(2026, 3, 1)]
    assert (mar["public"], mar["answered"], mar["share"]) == (3, 1, 0.3333)
    assert (mar["median_days"], mar["p90_days"]) == (10.0, 10.0)


def test_answers_per_category_and_department(payload, fixture_city):
    categories = {row["key"]: row for row in payload["answers"]["categories"]}
    parks, roads = categories[fixture_city["parks"].pk], categories[fixture_city["roads"].pk]
    assert (parks["public"], parks["answered"], parks["median_days"]) == (3, 3, 4.0)
    assert (roads["public"], roads["answered"], roads["median_days"]) == (3, 1, 10.0)
    departments = {row["key"]: row for row in payload["answers"]["departments"]}
    assert set(departments) == {fixture_city["green"].pk, None}
    assert departments[fixture_city["green"].pk]["median_days"] == 4.0
    assert departments[None]["share"] == 0.3333


def test_outcomes(payload):
    ideas = payload["outcomes"]["ideas"]
    assert ideas["accepted"] == 2  # one still accepted, one implemented since
    assert ideas["rejected"] == 2
    assert ideas["rejected_with_reason"] == 1  # a blank message is no reason
    assert ideas["implemented"] == 1
    # Accepted 2026-01-12 10:00 UTC; its project ended 2026-03-12, midnight
    # in Brussels (23:00 UTC the day before): 58 days and 13 hours.
    assert ideas["median_days_to_done"] == 58.5


def test_projects_on_time_and_late(payload):
    projects = payload["outcomes"]["projects"]
    # The hidden project and the other city's are not counted.
    assert projects["total"] == 5
    assert (projects["planned"], projects["in_progress"], projects["done"]) == (1, 1, 2)
    assert projects["stopped"] == 1
    assert (projects["late"], projects["on_time"]) == (2, 1)


def test_participation_by_district(payload, fixture_city):
    rows = {row["key"]: row for row in payload["districts"]}
    centre, harbour = rows[fixture_city["centre"].pk], rows[fixture_city["harbour"].pk]
    # Two authors and two supporters of Centre's ideas, 2,000 inhabitants.
    assert (centre["ideas"], centre["participants"], centre["per_1000"]) == (2, 4, 2.0)
    # No population given: no rate.
    assert (harbour["ideas"], harbour["participants"], harbour["per_1000"]) == (1, 3, None)
    quiet = next(r for r in payload["districts"] if r["population"] == 500)
    assert (quiet["ideas"], quiet["participants"], quiet["per_1000"]) == (0, 0, 0.0)


def test_ideas_per_challenge(payload, fixture_city):
    assert payload["challenges"] == [
        {
            "key": fixture_city["challenge"].pk,
            "ideas": 6,
            "evaluated": 0,
            "scorecards": 0,
            "alpha": None,
            "pairable": 0,
        }
    ]


def test_the_payload_names_nobody(payload):
    text = repr(payload)
    assert "@" not in text  # no e-mail address
    assert "author" not in text and "user" not in text


def test_an_empty_city(other_city, frozen):
    from tests.factories import CityFactory

    empty = CityFactory(slug="empty", name="Empty")
    with city_context(empty):
        payload = statistics_compute(city=empty)
    assert payload["answers"]["all"]["public"] == 0
    assert payload["answers"]["all"]["share"] is None
    assert payload["outcomes"]["ideas"]["median_days_to_done"] is None
    assert sum(row["ideas"] for row in payload["months"]) == 0


def test_ideas_by_channel(city, fixture_city, payload):
    """Six ideas in the window, all on-line; one given on paper moves to its
    own row (the withdrawn one and the other city's are never counted)."""
    from ideas.models import Idea
    from tests.factories import UserFactory

    assert payload["channels"] == [{"key": "web", "ideas": 6}]
    with city_context(city):
        idea = Idea.objects.filter(status="published").order_by("pk").first()
        Idea.objects.filter(pk=idea.pk).update(channel="paper", entered_by=UserFactory())
        again = statistics_compute(city=city)
    assert again["channels"] == [{"key": "web", "ideas": 5}, {"key": "paper", "ideas": 1}]
