"""/statistics/ in a real browser: axe-core finds no serious or critical
violation on the city's page and the platform's comparison, every chart is
a labelled image beside a captioned table, and a chart's CSV downloads."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from civicideas.statistics.charts import SLUGS
from civicideas.statistics.store import statistics_refresh
from civicideas.tenancy import city_context
from tests.factories import CityFactory
from tests.statistics.conftest import build_fixture

pytestmark = pytest.mark.e2e

SCREENSHOT = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir())) / (
    "civicideas-riverton-statistics.png"
)


@pytest.fixture
def riverton(transactional_db):
    city = CityFactory(slug="riverton", name="Riverton")
    build_fixture(city)
    with city_context(city):
        statistics_refresh(city=city)  # what the beat task does
    return city


def test_statistics_pages_are_accessible(page, site_url, riverton, assert_accessible):
    page.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(site_url("riverton.localhost", "/"))
    page.get_by_role("link", name="Statistics").click()
    assert page.locator("h1").inner_text().strip() == "How responsive is Riverton"
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 6
    assert page.locator("table caption").count() == len(SLUGS)
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Node (page.request) does not resolve *.localhost; the page's own fetch does.
    csv_text = page.evaluate(
        "() => fetch('/statistics/answers-by-category.csv').then(r => r.text())"
    )
    assert csv_text.splitlines()[0] == ("name,public,answered,share_percent,median_days,p90_days")

    page.goto(site_url("localhost", "/statistics/"))
    assert page.locator("h1").inner_text().strip() == "How responsive are the cities"
    assert page.get_by_role("link", name="Riverton").count() == 1
    assert_accessible(page)


def test_figures_being_prepared_page_is_accessible(
    page, site_url, transactional_db, assert_accessible
):
    CityFactory(slug="newtown", name="Newtown")  # no figures yet: one refresh is queued
    page.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(site_url("newtown.localhost", "/statistics/"))
    assert page.locator("h1").inner_text().strip() == "How responsive is Newtown"
    assert "being prepared" in page.locator("main").inner_text()
    assert_accessible(page)
