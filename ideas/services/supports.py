"""Supporting an idea, and moving a support from a duplicate to its original."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.accounts.services import profile_ensure
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.row_locks import holds_lock
from ideas import rules
from ideas.models import Idea, Support
from ideas.services.common import _locked
from ideas.status import PUBLIC_STATUSES, IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def _lock(idea: Idea) -> Idea:
    """The idea under its row lock: as given when the caller already read it
    locked in this transaction (the support button's view does), else re-read."""
    return idea if holds_lock(idea) else _locked(idea)


def _add_to_count(idea: Idea, delta: int) -> int:
    """Change the stored counter in SQL and return its new value (one
    statement: the fragment shows it without reading the idea again)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Idea._meta.db_table} SET support_count = support_count + %s "  # noqa: S608
            "WHERE city_id = %s AND id = %s RETURNING support_count",
            [delta, idea.city_id, idea.pk],
        )
        return cursor.fetchone()[0]


def _show(ideas: tuple[Idea, ...], *, count: int, supported: bool) -> None:
    for each in ideas:
        each.support_count = count
        each.supported_by_me = supported  # type: ignore[attr-defined]


@transaction.atomic
def idea_support(*, idea: Idea, user: User) -> bool:
    """Support an idea once. Returns False if the person already supported it.
    Authors may not support their own idea (``rules.can_support``).

    The idea row is locked first, so concurrent requests of one person
    serialise and the stored count always equals the number of rows. Lock
    order: idea, then the support row. ``idea`` gets the new
    ``support_count`` and ``supported_by_me``.
    """
    locked = _lock(idea)
    if rules.is_own_idea(user, locked):
        raise NotAllowed(_("You cannot support your own idea."))
    if not rules.can_support(user, locked):
        raise NotAllowed(_("This idea cannot be supported at the moment."))
    profile_ensure(user=user)
    table = Support._meta.db_table
    with connection.cursor() as cursor:
        # ON CONFLICT: a double click that got past the lock's ordering
        # (or a support given before) inserts nothing, in one statement.
        cursor.execute(
            f"INSERT INTO {table} (city_id, idea_id, user_id, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (idea_id, user_id) DO NOTHING RETURNING id",
            [locked.city_id, locked.pk, user.pk, timezone.now()],
        )
        inserted = cursor.fetchone() is not None
    if not inserted:
        _show((idea, locked), count=locked.support_count, supported=True)
        return False
    _show((idea, locked), count=_add_to_count(locked, 1), supported=True)
    return True


@transaction.atomic
def idea_unsupport(*, idea: Idea, user: User) -> bool:
    """Withdraw one's support while supports are open. False if there was none.
    Same lock order as ``idea_support``; ``idea`` gets the new count."""
    locked = _lock(idea)
    if not rules.supports_open_to(user, locked):
        raise NotAllowed(_("Supports for this idea are closed."))
    deleted, _details = Support.objects.filter(idea=locked, user=user).delete()
    count = _add_to_count(locked, -1) if deleted else locked.support_count
    _show((idea, locked), count=count, supported=False)
    return bool(deleted)


@transaction.atomic
def support_move_to_original(*, duplicate: Idea, user: User) -> bool:
    """A supporter of a duplicate chooses to move their support to the
    original idea. Never done without the person asking."""
    duplicate = _locked(duplicate)
    original = duplicate.duplicate_of
    if duplicate.status != IdeaStatus.DUPLICATE or original is None:
        raise InvalidInput(_("This idea is not marked as a duplicate."))
    original = _locked(original)
    deleted, _details = Support.objects.filter(idea=duplicate, user=user).delete()
    if not deleted:
        raise InvalidInput(_("You do not support this idea."))
    Idea.objects.filter(pk=duplicate.pk).update(support_count=F("support_count") - 1)
    if original.status not in PUBLIC_STATUSES or not original.challenge.accepts_supports:
        raise NotAllowed(_("The original idea cannot be supported at the moment."))
    if not Support.objects.filter(idea=original, user=user).exists():
        Support.objects.create(city=original.city, idea=original, user=user)
        Idea.objects.filter(pk=original.pk).update(support_count=F("support_count") + 1)
    return True
