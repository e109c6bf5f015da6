"""Shared fixtures: cities with their hosts, people with roles, and clients
that talk to a city's host the way a browser would."""

from __future__ import annotations

import pytest
from django.test import Client

from civicideas.tenancy import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.roles import Role
from tests.factories import CityFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    """The host cache is per process; tests create and drop cities."""
    forget_hosts()
    yield
    forget_hosts()


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    """Rate limits and cached pages live in (the test database of) Redis."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def city(db):
    return CityFactory(slug="riverton", name="Riverton")


@pytest.fixture
def other_city(db):
    return CityFactory(
        slug="lakeside", name="Lakeside", languages=["fr", "en"], default_language="fr"
    )


def host_of(city) -> str:
    return f"{city.slug}.localhost"


@pytest.fixture
def city_client(city):
    """An anonymous browser on the city's host."""
    return Client(HTTP_HOST=host_of(city))


def make_member(city, *roles: Role, **user_kwargs):
    with city_context(city):
        membership = MembershipFactory(
            user=UserFactory(**user_kwargs), roles=[str(r) for r in (roles or (Role.CITIZEN,))]
        )
    return membership.user


@pytest.fixture
def member_factory(db):
    return make_member


def client_for(user, city) -> Client:
    client = Client(HTTP_HOST=host_of(city))
    client.force_login(user)
    return client


def lock_version_of(obj) -> int:
    """The ``lock_version`` a page read now would carry for ``obj``
    (``civicideas.concurrency``): forms of versioned things post it."""
    city = obj if obj._meta.label == "tenancy.City" else obj.city
    with city_context(city):
        return type(obj)._default_manager.get(pk=obj.pk).lock_version
