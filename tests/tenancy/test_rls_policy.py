"""The city policy's form: evaluated once per query (InitPlan), not per row,
on every tenant table, with the same semantics as before."""

import pytest
from django.db import connection

from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.rls import POLICY_NAME

pytestmark = pytest.mark.django_db


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_every_city_policy_uses_the_once_per_query_form():
    policies = _raw(
        "SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = %s",
        [POLICY_NAME],
    )
    assert len(policies) >= 10
    for table, qual, check in policies:
        for expression in (qual, check):
            assert "SELECT civicideas_current_city_id()" in expression, table
            assert "SELECT civicideas_all_cities()" in expression, table
    assert _raw("SELECT count(*) FROM pg_proc WHERE proname = 'civicideas_city_allowed'") == [(0,)]


def test_policy_settings_are_read_once_per_query_not_per_row(city):
    with city_context(city):
        plan = "\n".join(row[0] for row in _raw("EXPLAIN SELECT count(*) FROM ideas_idea"))
    assert "InitPlan" in plan
    assert "current_setting" not in plan


def test_policy_functions_follow_the_settings(city):
    assert _raw("SELECT civicideas_current_city_id(), civicideas_all_cities()") == [(None, False)]
    with city_context(city):
        assert _raw("SELECT civicideas_current_city_id(), civicideas_all_cities()") == [
            (city.pk, False)
        ]
    with all_cities_context():
        assert _raw("SELECT civicideas_current_city_id(), civicideas_all_cities()") == [
            (None, True)
        ]
