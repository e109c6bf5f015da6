"""Where the figures are kept (docs/statistics.md, "Storage"): the city's
row in PostgreSQL behind the cache, read without computing; a city with no
figures gets "being prepared" and one queued refresh; only without a broker
does a request compute."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from civicideas.statistics import codec
from civicideas.statistics.compute import VERSION, statistics_compute
from civicideas.statistics.models import StatisticsSnapshot
from civicideas.statistics.selectors import statistics_for
from civicideas.statistics.store import (
    TTL_SECONDS,
    statistics_forget,
    statistics_read,
    statistics_refresh,
)
from civicideas.tenancy import city_context
from tests.conftest import host_of
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db

DELAY = "civicideas.statistics.tasks.refresh_city.delay"


def _computes(queries: CaptureQueriesContext) -> bool:
    return any("percentile_cont" in q["sql"] for q in queries.captured_queries)


def _types(value):
    """The value's shape with the type of every leaf, to compare exactly."""
    if isinstance(value, dict):
        return {(type(k).__name__, k): _types(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [type(value).__name__, *(_types(v) for v in value)]
    return (type(value).__name__, value)


def test_codec_round_trips_a_real_payload_exactly(city, fixture_city):
    with city_context(city):
        payload = statistics_compute(city=city)
    assert isinstance(payload["first_month"], date)
    assert any(isinstance(k, int) for k in payload["names"]["category"])
    back = codec.decode(json.loads(json.dumps(codec.encode(payload))))
    assert back == payload
    assert _types(back) == _types(payload)  # dates stay dates, int keys stay ints


def test_codec_round_trips_every_tagged_type_through_postgres(city):
    tricky = {
        "when": datetime(2026, 3, 29, 1, 30, tzinfo=city.zoneinfo),
        "day": date(2026, 2, 28),
        "money": Decimal("12.50"),
        "pair": (1, "a"),
        "by_id": {3: {"x": 1.5}, 1: None},
        "$looks_tagged": [1],
        "nested": [{"$t": "date", "v": "not a date"}],
    }
    with city_context(city):
        StatisticsSnapshot.objects.create(
            city=city, payload=codec.encode(tricky), version=0, computed_at=tricky["when"]
        )
        stored = StatisticsSnapshot.objects.get().payload
    back = codec.decode(stored)
    assert back == tricky and _types(back) == _types(tricky)
    assert list(back["by_id"]) == [3, 1]  # order kept, not jsonb's


def test_codec_refuses_what_it_cannot_restore():
    with pytest.raises(TypeError):
        codec.encode({"a": {1, 2}})


def test_refresh_writes_the_row_and_a_flushed_cache_reads_it(city, fixture_city):
    with city_context(city):
        computed = statistics_refresh(city=city)
    statistics_forget(city.pk)  # the cache is flushed, the row stays
    with CaptureQueriesContext(connection) as queries, city_context(city):
        read = statistics_read(city)
    assert read.payload == computed and not read.stale
    assert not _computes(queries)
    with CaptureQueriesContext(connection) as again, city_context(city):
        assert statistics_read(city).payload == computed
    assert not any("statisticssnapshot" in q["sql"] for q in again.captured_queries)


def test_new_city_gets_being_prepared_and_one_queued_refresh(city, fixture_city):
    client = Client(HTTP_HOST=host_of(city))
    with mock.patch(DELAY) as delay, CaptureQueriesContext(connection) as queries:
        first = client.get("/statistics/")
        second = client.get("/statistics/")
        csv = client.get("/statistics/activity.csv")
    delay.assert_called_once_with(city.pk)  # the lock lets one through
    assert not _computes(queries)
    for response in (first, second):
        assert response.status_code == 200
        html = response.content.decode()
        assert "being prepared" in html
        assert "<html" in html and 'href="/statistics/"' in html  # the site's layout
        assert "private" in response["Cache-Control"]  # never page-cached
    assert csv.status_code == 503 and csv["Retry-After"]
    # The refresh runs (as the worker would): the next visit shows the figures.
    with city_context(city):
        statistics_refresh(city=city)
    assert "Greener streets" in client.get("/statistics/").content.decode()


def test_no_broker_and_no_figures_computes_in_the_request_once(city, fixture_city):
    with (
        mock.patch(DELAY, side_effect=OperationalError("no broker")),
        city_context(city),
    ):
        payload = statistics_for(city)
        assert payload is not None and payload["answers"]["all"]["answered"] == 4
        assert StatisticsSnapshot.objects.filter(version=VERSION).count() == 1


def test_stale_figures_are_served_while_one_refresh_is_queued(city, fixture_city, frozen):
    with city_context(city):
        computed = statistics_refresh(city=city)
    statistics_forget(city.pk)
    later = frozen + timedelta(seconds=TTL_SECONDS + 60)
    with (
        time_machine.travel(later, tick=False),
        mock.patch(DELAY) as delay,
        CaptureQueriesContext(connection) as queries,
        city_context(city),
    ):
        first = statistics_for(city)
        second = statistics_for(city)
    assert first == second == computed
    delay.assert_called_once_with(city.pk)
    assert not _computes(queries)


def test_stale_figures_without_a_broker_are_still_served(city, fixture_city, frozen):
    with city_context(city):
        computed = statistics_refresh(city=city)
    statistics_forget(city.pk)
    with (
        time_machine.travel(frozen + timedelta(days=2), tick=False),
        mock.patch(DELAY, side_effect=OperationalError("no broker")),
        CaptureQueriesContext(connection) as queries,
        city_context(city),
    ):
        assert statistics_for(city) == computed
    assert not _computes(queries)


def test_a_row_of_another_payload_version_is_not_read(city, fixture_city):
    with city_context(city):
        statistics_refresh(city=city)
        StatisticsSnapshot.objects.update(version=VERSION - 1)
    statistics_forget(city.pk)
    with mock.patch(DELAY) as delay, city_context(city):
        assert statistics_read(city).payload is None
        assert statistics_for(city) is None  # being prepared, in the new shape
    delay.assert_called_once_with(city.pk)
    with city_context(city):
        statistics_refresh(city=city)  # overwrites the old row
        assert list(StatisticsSnapshot.objects.values_list("version", flat=True)) == [VERSION]


def test_another_citys_row_is_never_read(city, other_city, fixture_city):
    with city_context(other_city):
        statistics_refresh(city=other_city)
    with mock.patch(DELAY), city_context(city):
        assert statistics_read(city).payload is None
        assert StatisticsSnapshot.objects.count() == 0


def test_platform_reads_every_city_at_once_and_never_computes(
    city, other_city, fixture_city, django_assert_max_num_queries
):
    extra = [CityFactory(slug=f"town{i}", name=f"Town {i}") for i in range(3)]
    for each in (city, other_city, *extra[:2]):
        with city_context(each):
            statistics_refresh(city=each)
        statistics_forget(each.pk)  # flushed cache: the rows are read
    platform = Client(HTTP_HOST="localhost")
    with (
        mock.patch(DELAY) as delay,
        CaptureQueriesContext(connection) as queries,
        django_assert_max_num_queries(8),
    ):
        response = platform.get("/statistics/")
    assert not _computes(queries)
    html = response.content.decode()
    assert "66.7 %" in html and "Town 0" in html
    assert "being prepared" in html  # Town 2 has no figures yet
    delay.assert_called_once_with(extra[2].pk)
    assert "private" in response["Cache-Control"]


def test_admin_dashboard_without_figures_leaves_the_box_out(city):
    from civicideas.tenancy.roles import Role
    from tests.conftest import client_for, make_member

    admin = make_member(city, Role.CITY_ADMIN)
    with mock.patch(DELAY) as delay:
        response = client_for(admin, city).get("/admin/")
    assert response.status_code == 200
    assert "dashboard-statistics" not in response.content.decode()
    delay.assert_called_once_with(city.pk)
