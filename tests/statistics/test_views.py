"""/statistics/ on a city's host and on the platform's, and its CSV files."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from civicideas.statistics.charts import SLUGS
from civicideas.statistics.store import statistics_forget, statistics_refresh
from civicideas.tenancy import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from tests.conftest import client_for, host_of, make_member
from tests.factories import CityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixture_city(fixture_city, city, other_city):
    """The hand-computed cities, with their figures stored as the beat task
    stores them (a page view never computes; tests/statistics/test_store.py
    covers the city that has none yet)."""
    for each in (city, other_city):
        with city_context(each):
            statistics_refresh(city=each)
    return fixture_city


def _private(city) -> None:
    City.objects.filter(pk=city.pk).update(statistics_public=False)
    statistics_forget(city.pk)
    forget_hosts()  # the host cache keeps the City it read


def test_page_shows_every_chart_with_its_table_and_csv_link(city_client, fixture_city):
    response = city_client.get("/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    for slug in SLUGS:
        assert f'id="{slug}"' in html
        assert f'href="/statistics/{slug}.csv"' in html
    # Charts are labelled images; each table has a caption.
    assert html.count('<svg role="img" aria-label=') >= 6
    assert html.count("<caption") == len(SLUGS)
    assert "<title>" in html
    assert "Greener streets" in html and "Parks" in html and "Green" in html


def test_page_query_count_and_cache_hit(
    city, city_client, fixture_city, django_assert_max_num_queries
):
    statistics_forget(city.pk)  # a flushed cache: the city's row is read
    with django_assert_max_num_queries(10):
        assert city_client.get("/statistics/").status_code == 200
    with django_assert_max_num_queries(10):
        assert city_client.get("/statistics/").status_code == 200


def test_a_cache_miss_reads_the_row_and_never_computes(city, city_client, fixture_city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statistics_forget(city.pk)
    with CaptureQueriesContext(connection) as miss:
        assert city_client.get("/statistics/").status_code == 200
    with CaptureQueriesContext(connection) as hit:
        city_client.get("/statistics/")
    sql = [q["sql"] for q in miss.captured_queries]
    assert sum("statistics_statisticssnapshot" in q for q in sql) == 1
    assert not any("percentile_cont" in q or "ideas_idea" in q for q in sql)
    assert not any("statistics_statisticssnapshot" in q for q in (h["sql"] for h in hit))


def test_csv_content_and_no_personal_data(city, city_client, fixture_city):
    response = city_client.get("/statistics/answers-by-category.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["name", "public", "answered", "share_percent", "median_days", "p90_days"]
    assert ["Parks", "3", "3", "100.0", "4.0", "4.0"] in rows
    assert ["Roads", "3", "1", "33.3", "10.0", "10.0"] in rows
    for slug in SLUGS:
        body = city_client.get(f"/statistics/{slug}.csv").content.decode()
        assert "@" not in body, slug
    month = list(
        csv.reader(io.StringIO(city_client.get("/statistics/activity.csv").content.decode()))
    )
    assert month[0] == ["month", "ideas", "supports", "comments", "participants"]
    assert ["2026-02-01", "0", "0", "0", "0"] in month
    assert len(month) == 13


@pytest.mark.parametrize(
    "path", ["/statistics/nope.csv", "/statistics/..%2F.csv", "/statistics/activity.CSV"]
)
def test_unknown_csv_is_404(city_client, fixture_city, path):
    assert city_client.get(path).status_code == 404


def test_post_is_refused(city_client, fixture_city):
    assert city_client.post("/statistics/").status_code == 405


def test_other_citys_rows_are_never_counted(city, other_city, fixture_city):
    other = Client(HTTP_HOST=host_of(other_city))
    rows = list(csv.reader(io.StringIO(other.get("/statistics/activity.csv").content.decode())))
    assert ["2026-02-01", "1", "1", "0", "2"] in rows
    assert sum(int(r[1]) for r in rows[1:]) == 1  # not Riverton's six


@pytest.mark.parametrize(
    ("roles", "visible"),
    [
        (None, False),
        ((Role.CITIZEN,), False),
        ((Role.MODERATOR,), True),
        ((Role.EVALUATOR,), True),
        ((Role.CITY_ADMIN,), True),
    ],
)
def test_private_statistics_are_for_the_citys_staff_only(city, fixture_city, roles, visible):
    _private(city)
    client = (
        Client(HTTP_HOST=host_of(city))
        if roles is None
        else client_for(make_member(city, *roles), city)
    )
    expected = 200 if visible else 404
    assert client.get("/statistics/").status_code == expected
    assert client.get("/statistics/activity.csv").status_code == expected


def test_private_statistics_hidden_from_another_citys_admin(city, other_city, fixture_city):
    _private(city)
    outsider = make_member(other_city, Role.CITY_ADMIN)
    assert client_for(outsider, city).get("/statistics/").status_code == 404


def test_footer_and_home_link_only_when_public(city, city_client, fixture_city):
    assert 'href="/statistics/"' in city_client.get("/").content.decode()
    _private(city)
    assert 'href="/statistics/"' not in city_client.get("/accessibility/").content.decode()


def test_platform_compares_public_cities_only(city, other_city, fixture_city):
    hidden = CityFactory(slug="secretville", name="Secretville")
    _private(hidden)
    response = Client(HTTP_HOST="localhost").get("/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Riverton" in html and "Lakeside" in html
    assert "Secretville" not in html
    assert "66.7 %" in html  # Riverton's share answered


def test_admin_dashboard_shows_the_headline(city, fixture_city):
    admin = make_member(city, Role.CITY_ADMIN)
    html = client_for(admin, city).get("/admin/").content.decode()
    assert "dashboard-statistics" in html
    assert 'href="/statistics/"' in html


def test_beat_refreshes_every_active_city(city, other_city, fixture_city, settings):
    from django.core.cache import cache

    from civicideas.statistics import tasks
    from civicideas.statistics.models import StatisticsSnapshot
    from civicideas.statistics.store import _key

    statistics_forget(city.pk, keep_snapshot=True)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert tasks.refresh() >= 2
    assert cache.get(_key(city.pk))["answers"]["all"]["answered"] == 4
    with city_context(city):
        assert StatisticsSnapshot.objects.count() == 1  # overwritten, never a second row


def test_evaluated_ideas_and_alpha_per_challenge(city, frozen):
    from civicideas.statistics.compute import statistics_compute
    from evaluation.aggregation import challenge_alpha
    from evaluation.models import Assignment, CriterionScore, Scorecard
    from tests.evaluation.factories import ChallengeEvaluationFactory, CriterionFactory
    from tests.ideas.factories import IdeaFactory

    with city_context(city):
        settings_ = ChallengeEvaluationFactory(rubric__scale_min=1, rubric__scale_max=5)
        criterion = CriterionFactory(rubric=settings_.rubric, scale_min=1, scale_max=5)
        evaluators = [UserFactory(), UserFactory()]
        for idea, scores in (
            (IdeaFactory(challenge=settings_.challenge), (4, 4)),
            (IdeaFactory(challenge=settings_.challenge), (2, 1)),
            (IdeaFactory(challenge=settings_.challenge), (5, 5)),
        ):
            for evaluator, score in zip(evaluators, scores, strict=True):
                a = Assignment.objects.create(
                    city=city, challenge=settings_.challenge, idea=idea, evaluator=evaluator
                )
                card = Scorecard.objects.create(city=city, assignment=a, state="submitted")
                CriterionScore.objects.create(
                    city=city, scorecard=card, criterion=criterion, score=score
                )
        payload = statistics_compute(city=city)
        alpha, pairable = challenge_alpha(settings_)
    (row,) = payload["challenges"]
    assert (row["ideas"], row["evaluated"], row["scorecards"]) == (3, 3, 6)
    assert row["alpha"] == round(alpha, 3) and row["pairable"] == pairable == 6
    assert 0.8 < row["alpha"] < 1


def test_signed_in_figures_are_shared_but_follow_each_refresh(city, fixture_city):
    """Signed-in visitors get the figures rendered once per refresh (a shared
    fragment, scope bumped by the refresh), never figures of an older one."""
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    first = citizen.get("/statistics/").content.decode()
    assert "Greener streets" in first
    with city_context(city):
        from ideas.models import Challenge

        Challenge.objects.filter(title="Greener streets").update(title="Cleaner rivers")
        statistics_refresh(city=city)
    after = citizen.get("/statistics/").content.decode()
    assert "Cleaner rivers" in after and "Greener streets" not in after


def test_shared_figures_never_open_a_private_page(city, fixture_city):
    """A staff member's view stores the figures; a resident still gets 404."""
    _private(city)
    staff = client_for(make_member(city, Role.MODERATOR), city)
    assert "only the city's staff" in staff.get("/statistics/").content.decode()
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    assert citizen.get("/statistics/").status_code == 404
    assert Client(HTTP_HOST=host_of(city)).get("/statistics/").status_code == 404


def test_shared_figures_per_language(city, fixture_city):
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    english = citizen.get("/statistics/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    City.objects.filter(pk=city.pk).update(languages=["en", "fr"])
    forget_hosts()
    french = citizen.get("/statistics/?lang=fr", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "How these figures are counted" in english
    assert "How these figures are counted" not in french
