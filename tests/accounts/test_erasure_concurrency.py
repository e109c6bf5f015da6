"""Erasure while others support the same ideas: counters equal rows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from civicideas.accounts.erasure import erase_person
from civicideas.tenancy import city_context
from ideas import services
from ideas.models import Idea, Support
from tests.conftest import make_member
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_counters_stay_exact_when_others_support_during_erasure(city):
    leaving = [make_member(city) for _ in range(3)]
    others = [make_member(city) for _ in range(12)]
    with city_context(city):
        ideas = [IdeaFactory() for _ in range(4)]
        for person in leaving:
            for idea in ideas:
                services.idea_support(idea=idea, user=person)

    def work(i: int) -> None:
        try:
            if i < len(leaving):
                erase_person(user=leaving[i], delete_contributions=False)
            else:
                person = others[i - len(leaving)]
                for idea in ideas if i % 2 else list(reversed(ideas)):
                    with city_context(city):  # one request per support
                        services.idea_support(idea=idea, user=person)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(len(leaving) + len(others))))

    with city_context(city):
        for idea in Idea.objects.filter(pk__in=[i.pk for i in ideas]):
            rows = Support.objects.filter(idea=idea).count()
            assert idea.support_count == rows == len(others)
