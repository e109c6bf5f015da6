"""Prepared statements under row-level security (DATABASE_SERVER_SIDE_BINDING).

A statement prepared on a connection is executed again in later transactions,
possibly for another city. The policies read the city from the transaction's
settings (set_config(..., true)) when the statement runs, not when it is
planned, so a plan made in one city must show the next city only its rows,
whether PostgreSQL reuses a generic plan or makes a custom one."""

import psycopg
import pytest
from django.db import connection

from civicideas.tenancy import city_context
from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def _emails_through_a_prepared_statement(plan_cache_mode: str) -> list[str]:
    # psycopg's own Cursor binds server-side whatever the setting;
    # prepare=True prepares at once instead of at the fifth execution.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [plan_cache_mode])
        cursor.execute(
            "SELECT u.email FROM tenancy_membership m "
            "JOIN accounts_user u ON u.id = m.user_id "
            "WHERE u.email LIKE %s ORDER BY u.email",
            ["%@%.example"],
            prepare=True,
        )
        return [email for (email,) in cursor.fetchall()]


@pytest.fixture
def preparing_connection():
    """Django's connection with psycopg's prepared statements on (Django
    turns them off unless DATABASE_SERVER_SIDE_BINDING is set), back as it
    was afterwards, with nothing left prepared."""
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.prepare_threshold
    raw.prepare_threshold = 5
    yield raw
    # psycopg forgets its statements when it sees DEALLOCATE ALL.
    raw.execute("DEALLOCATE ALL")
    raw.prepare_threshold = previous


@pytest.mark.usefixtures("preparing_connection")
@pytest.mark.parametrize("plan_cache_mode", ["force_generic_plan", "force_custom_plan"])
def test_a_statement_prepared_in_one_city_shows_the_next_city_only_its_rows(
    city, other_city, plan_cache_mode
):
    make_member(city, Role.MODERATOR, email="a@riverton.example")
    make_member(other_city, Role.MODERATOR, email="b@lakeside.example")
    for _ in range(3):
        with city_context(city):
            assert _emails_through_a_prepared_statement(plan_cache_mode) == ["a@riverton.example"]
        with city_context(other_city):
            assert _emails_through_a_prepared_statement(plan_cache_mode) == ["b@lakeside.example"]
    assert _emails_through_a_prepared_statement(plan_cache_mode) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%u.email LIKE $1%"],
        )
        (executions,) = cursor.fetchone()
    assert executions >= 7


def test_with_server_side_binding_the_orm_prepares_repeated_queries_per_city(
    city, other_city, settings
):
    if not connection.features.uses_server_side_binding:
        pytest.skip("DATABASE_SERVER_SIDE_BINDING is off")
    if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        pytest.skip("nothing is prepared behind PgBouncer (DATABASE_PGBOUNCER)")
    make_member(city, Role.MODERATOR, email="a@riverton.example")
    make_member(other_city, Role.MODERATOR, email="b@lakeside.example")
    for _ in range(4):
        with city_context(city):
            emails = list(Membership.objects.values_list("user__email", flat=True))
            assert emails == ["a@riverton.example"]
        with city_context(other_city):
            emails = list(Membership.objects.values_list("user__email", flat=True))
            assert emails == ["b@lakeside.example"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        (prepared,) = cursor.fetchone()
    assert prepared >= 1
