"""civicideas.row_locks: a row read locked is taken as locked only in the
transaction that locked it (the support button's single read, issue 17)."""

from __future__ import annotations

import pytest
from django.db import transaction

from civicideas.row_locks import holds_lock
from civicideas.tenancy import city_context
from ideas import selectors, services
from ideas.models import Support
from tests.conftest import make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_lock_mark_holds_only_in_its_own_transaction(city):
    """A row lock lasts until the outermost transaction ends (a savepoint's
    release keeps it), so the mark names the outermost atomic block."""
    person = make_member(city)
    with city_context(city):
        idea = IdeaFactory(challenge=ChallengeFactory())
    with city_context(city), transaction.atomic():
        locked = selectors.idea_for_page(pk=idea.pk, user=person, for_update=True)
        assert holds_lock(locked)
        plain = selectors.idea_for_page(pk=idea.pk, user=person)
        assert not holds_lock(plain)
    assert not holds_lock(locked)  # outside any transaction
    with city_context(city), transaction.atomic():
        assert not holds_lock(locked)  # another transaction: re-read and lock


def test_support_and_unsupport_keep_the_counter_and_the_read_idea_in_step(city):
    person = make_member(city)
    with city_context(city):
        idea = IdeaFactory(challenge=ChallengeFactory())
        for action, expected, mine in (
            (services.idea_support, 1, True),
            (services.idea_support, 1, True),  # a second support changes nothing
            (services.idea_unsupport, 0, False),
            (services.idea_unsupport, 0, False),
        ):
            with transaction.atomic():
                read = selectors.idea_for_page(pk=idea.pk, user=person, for_update=True)
                action(idea=read, user=person)
                assert (read.support_count, read.supported_by_me) == (expected, mine)
            assert Support.objects.filter(idea=idea).count() == expected
            idea.refresh_from_db()
            assert idea.support_count == expected
