"""Counters under concurrent requests, with real connections in threads."""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from civicideas.errors import NotAllowed
from civicideas.tenancy import city_context
from ideas import services
from ideas.models import Idea, Support
from tests.conftest import make_member
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(city, func):
    def run(*args):
        try:
            with city_context(city):
                return func(*args)
        finally:
            connection.close()

    return run


def test_fifty_parallel_supports_by_one_person_make_one_support(city):
    user = make_member(city)
    with city_context(city):
        idea = IdeaFactory()
    support = _in_thread(city, lambda _: services.idea_support(idea=idea, user=user))
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(support, range(50)))
    assert results.count(True) == 1
    with city_context(city):
        assert Support.objects.filter(idea=idea).count() == 1
        assert Idea.objects.get(pk=idea.pk).support_count == 1


def test_parallel_support_and_unsupport_keep_count_equal_to_rows(city):
    users = [make_member(city) for _ in range(5)]
    with city_context(city):
        idea = IdeaFactory()

    def toggle(i):
        user = users[i % len(users)]
        if random.random() < 0.5:
            return services.idea_support(idea=idea, user=user)
        return services.idea_unsupport(idea=idea, user=user)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_in_thread(city, toggle), range(80)))
    with city_context(city):
        assert (
            Idea.objects.get(pk=idea.pk).support_count == Support.objects.filter(idea=idea).count()
        )


def test_idea_of_another_city_cannot_be_supported(city, other_city):
    user = make_member(city)
    with city_context(other_city):
        foreign = IdeaFactory()
    with city_context(city), pytest.raises((Idea.DoesNotExist, NotAllowed)):
        services.idea_support(idea=foreign, user=user)
    with city_context(other_city):
        assert Support.objects.count() == 0
