"""A signed-in request reads the person and their roles in the city in one
query (``accounts.backends.EmailBackend.get_user``), and the roles are the
city's own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from tests.conftest import client_for, make_member
from tests.factories import MembershipFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _membership_reads(queries: list[dict]) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "tenancy_membership"' in q["sql"]]


def test_roles_come_with_the_user(city):
    client = client_for(make_member(city, Role.CITIZEN), city)
    client.get("/projects/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/projects/").status_code == 200
    reads = _membership_reads(captured.captured_queries)
    assert len(reads) == 1 and '"accounts_user"' in reads[0]


def test_roles_are_those_of_the_city_of_the_request(city, other_city):
    """An administrator of another city who is a resident here sees this
    city's projects as residents do, and their own city's as its admin."""
    person = make_member(other_city, Role.CITY_ADMIN)
    with city_context(city):
        MembershipFactory(user=person, roles=[str(Role.CITIZEN)])
        ProjectFactory(title="Secret here", is_public=False)
    with city_context(other_city):
        ProjectFactory(title="Secret there", is_public=False)
    assert "Secret here" not in client_for(person, city).get("/projects/").content.decode()
    assert "Secret there" in client_for(person, other_city).get("/projects/").content.decode()


def test_backend_reads_the_person_and_only_this_citys_roles(city, other_city):
    from civicideas.accounts.backends import EmailBackend
    from civicideas.tenancy.permissions import roles_in_current_city

    person = make_member(other_city, Role.CITY_ADMIN)
    backend = EmailBackend()
    with city_context(city):
        here = backend.get_user(person.pk)
        assert here.pk == person.pk and here.email == person.email
        assert here.password == person.password and here.date_joined == person.date_joined
        assert roles_in_current_city(here) == frozenset() and not here.is_staff
    with city_context(other_city):
        there = backend.get_user(person.pk)
        assert roles_in_current_city(there) == {Role.CITY_ADMIN} and there.is_staff


def test_backend_refuses_unknown_and_inactive_people(city):
    from civicideas.accounts.backends import EmailBackend

    person = make_member(city)
    type(person).objects.filter(pk=person.pk).update(is_active=False)
    with city_context(city):
        assert EmailBackend().get_user(person.pk) is None
        assert EmailBackend().get_user(person.pk + 10_000) is None


def test_backend_on_the_platform_host_reads_no_roles(city):
    from civicideas.accounts.backends import EmailBackend

    person = make_member(city, Role.CITY_ADMIN)
    user = EmailBackend().get_user(person.pk)  # no current city
    assert user.pk == person.pk and not user.is_staff
