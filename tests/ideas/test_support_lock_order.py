"""Supports take the idea's row lock late, for the counter only (issue 17's
rush): the rows first, then the idea. What that must not lose: the counter
equals the rows, a status changed while the request ran is checked again
under the lock, and no path can deadlock with another."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from civicideas.accounts.erasure import erase_person
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import selectors, services
from ideas.models import Idea, Support
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)


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
            read = selectors.idea_for_page(pk=idea.pk, user=person)
            action(idea=read, user=person)
            assert (read.support_count, read.supported_by_me) == (expected, mine)
            assert Support.objects.filter(idea=idea).count() == expected
            idea.refresh_from_db()
            assert idea.support_count == expected


@pytest.mark.parametrize("status", [IdeaStatus.HIDDEN, IdeaStatus.WITHDRAWN, IdeaStatus.DUPLICATE])
def test_a_support_on_an_idea_hidden_meanwhile_is_refused_and_writes_nothing(city, status):
    """The page read the idea public; a moderator hid it before the POST's
    counter: the UPDATE's status check refuses, and the row is rolled back."""
    person = make_member(city)
    with city_context(city):
        idea = IdeaFactory(challenge=ChallengeFactory())
        read = selectors.idea_for_page(pk=idea.pk, user=person)
        Idea.objects.filter(pk=idea.pk).update(status=status)
        with pytest.raises(NotAllowed):
            services.idea_support(idea=read, user=person)
        assert not Support.objects.filter(idea=idea).exists()
        assert Idea.objects.get(pk=idea.pk).support_count == 0


def test_a_withdrawal_on_an_idea_hidden_meanwhile_is_refused_and_keeps_the_row(city):
    person = make_member(city)
    with city_context(city):
        idea = IdeaFactory(challenge=ChallengeFactory())
        services.idea_support(idea=idea, user=person)
        read = selectors.idea_for_page(pk=idea.pk, user=person)
        Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.HIDDEN)
        with pytest.raises(NotAllowed):
            services.idea_unsupport(idea=read, user=person)
        assert Support.objects.filter(idea=idea, user=person).count() == 1
        assert Idea.objects.get(pk=idea.pk).support_count == 1


def test_the_support_waits_for_the_idea_only_at_its_counter(city):
    """While another transaction holds the idea's row lock (a moderator
    deciding), the support row is already written and the request waits
    only for the counter; both finish, the count equals the rows."""
    person = make_member(city)
    with city_context(city):
        idea = IdeaFactory(challenge=ChallengeFactory())
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with city_context(city), transaction.atomic():
                list(Idea.objects.select_for_update().filter(pk=idea.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def support() -> bool:
        try:
            with city_context(city):
                return services.idea_support(idea=Idea.objects.get(pk=idea.pk), user=person)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(hold_the_lock)
        assert locked.wait(10)
        supported = pool.submit(support)
        with city_context(city):
            # The support row is inserted (not yet visible) while the counter
            # waits: the lock it waits for is the holder's, on the idea.
            for _ in range(200):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                        "WHERE NOT l.granted AND a.query LIKE 'UPDATE %%support_count%%'"
                    )
                    if cursor.fetchone()[0]:
                        break
                threading.Event().wait(0.02)
            else:
                pytest.fail("the support never waited at its counter")
        release.set()
        holder.result(10)
        assert supported.result(10) is True
    with city_context(city):
        assert Idea.objects.get(pk=idea.pk).support_count == 1 == Support.objects.count()


def test_moving_a_support_to_the_original_rechecks_under_the_locks(city):
    person, moderator = make_member(city), make_member(city, Role.MODERATOR)
    with city_context(city):
        original, duplicate = IdeaFactory(), IdeaFactory()
        services.idea_support(idea=duplicate, user=person)
        services.idea_set_status(
            idea=duplicate, by=moderator, status="duplicate", message="Same", duplicate_of=original
        )
        stale = Idea.objects.get(pk=duplicate.pk)
        Idea.objects.filter(pk=original.pk).update(status=IdeaStatus.HIDDEN)
        with pytest.raises(NotAllowed):
            services.support_move_to_original(duplicate=stale, user=person)
        # Rolled back: the support is still on the duplicate, counts unchanged.
        assert list(Support.objects.values_list("idea_id", flat=True)) == [duplicate.pk]
        assert Idea.objects.get(pk=duplicate.pk).support_count == 1
        Idea.objects.filter(pk=original.pk).update(status=IdeaStatus.PUBLISHED)
        services.support_move_to_original(duplicate=stale, user=person)
        assert list(Support.objects.values_list("idea_id", flat=True)) == [original.pk]
        assert Idea.objects.get(pk=original.pk).support_count == 1
        assert Idea.objects.get(pk=duplicate.pk).support_count == 0
        with pytest.raises(InvalidInput):  # moved already: nothing left to move
            services.support_move_to_original(duplicate=stale, user=person)


def test_withdrawing_during_ones_own_erasure_does_not_deadlock(city):
    """Erasure deletes the rows before it locks the ideas, as a withdrawal
    does: run together many times, neither deadlocks and counts stay exact."""
    people = [make_member(city) for _ in range(6)]
    with city_context(city):
        ideas = [IdeaFactory() for _ in range(3)]
        for person in people:
            for idea in ideas:
                services.idea_support(idea=idea, user=person)

    def erase(person) -> None:
        try:
            erase_person(user=person, delete_contributions=False)
        finally:
            connection.close()

    def withdraw(person) -> None:
        try:
            for idea in reversed(ideas):
                with city_context(city):
                    services.idea_unsupport(idea=Idea.objects.get(pk=idea.pk), user=person)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(job, person) for person in people for job in (erase, withdraw)]
        for future in futures:
            future.result(30)  # a deadlock would raise here
    with city_context(city):
        for idea in ideas:
            assert (
                Idea.objects.get(pk=idea.pk).support_count
                == Support.objects.filter(idea=idea).count()
            )
