"""Supporting an idea, and moving a support from a duplicate to its original."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.accounts.services import profile_ensure
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy.context import current_city
from ideas import rules
from ideas.models import Idea, Support
from ideas.status import PUBLIC_STATUSES, IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User


#: The statuses in which a support may be given or withdrawn
#: (``rules.supports_open_to``), checked again by the counter's UPDATE.
_OPEN_STATUSES = sorted(PUBLIC_STATUSES - {IdeaStatus.DUPLICATE})


def _add_to_count(idea: Idea, delta: int) -> int:
    """Change the stored counter in SQL and return its new value (one
    statement: the fragment shows it without reading the idea again).

    This UPDATE is where the idea's row lock is taken, as late as possible:
    a rush of people on one idea queues only on the rest of the
    transaction, not on the whole request (issue 17). Its WHERE checks the
    status again under the lock, so an idea hidden or closed by a moderator
    while the request ran is refused (and the caller's transaction, with
    its support row, rolled back) instead of counted.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Idea._meta.db_table} SET support_count = support_count + %s "  # noqa: S608
            "WHERE city_id = %s AND id = %s AND status = ANY(%s) RETURNING support_count",
            [delta, idea.city_id, idea.pk, _OPEN_STATUSES],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotAllowed(_("This idea cannot be supported at the moment."))
    return row[0]


def _of_this_city(idea: Idea) -> None:
    """Another city's idea does not exist here (its rows are invisible under
    row-level security; the statements below would fail on them)."""
    if idea.city_id != current_city().pk:
        raise Idea.DoesNotExist


def _show(idea: Idea, *, count: int, supported: bool) -> None:
    idea.support_count = count
    idea.supported_by_me = supported  # type: ignore[attr-defined]


@transaction.atomic
def idea_support(*, idea: Idea, user: User) -> bool:
    """Support an idea once. Returns False if the person already supported it.
    Authors may not support their own idea (``rules.can_support``).

    The support row is written first (``ON CONFLICT DO NOTHING``: a double
    click, or a support given before, inserts nothing and waits for nothing
    but the other insert), then the counter (``_add_to_count``, which takes
    the idea's row lock and checks the status again). Both in one
    transaction, so the stored count always equals the number of rows.
    Every path takes the support row before the idea (withdrawing, erasure
    deletes rows then lowers counts), so they cannot deadlock. ``idea`` gets
    the new ``support_count`` and ``supported_by_me``.
    """
    _of_this_city(idea)
    if rules.is_own_idea(user, idea):
        raise NotAllowed(_("You cannot support your own idea."))
    if not rules.can_support(user, idea):
        raise NotAllowed(_("This idea cannot be supported at the moment."))
    profile_ensure(user=user)
    table = Support._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (city_id, idea_id, user_id, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (idea_id, user_id) DO NOTHING RETURNING id",
            [idea.city_id, idea.pk, user.pk, timezone.now()],
        )
        inserted = cursor.fetchone() is not None
    if not inserted:
        _show(idea, count=idea.support_count, supported=True)
        return False
    _show(idea, count=_add_to_count(idea, 1), supported=True)
    return True


@transaction.atomic
def idea_unsupport(*, idea: Idea, user: User) -> bool:
    """Withdraw one's support while supports are open. False if there was none.
    Same order as ``idea_support`` (the row, then the counter); ``idea``
    gets the new count."""
    _of_this_city(idea)
    if not rules.supports_open_to(user, idea):
        raise NotAllowed(_("Supports for this idea are closed."))
    with connection.cursor() as cursor:
        # One statement: two concurrent withdrawals delete the row once.
        cursor.execute(
            f"DELETE FROM {Support._meta.db_table} "  # noqa: S608
            "WHERE city_id = %s AND idea_id = %s AND user_id = %s RETURNING id",
            [idea.city_id, idea.pk, user.pk],
        )
        deleted = cursor.fetchone() is not None
    count = _add_to_count(idea, -1) if deleted else idea.support_count
    _show(idea, count=count, supported=False)
    return deleted


@transaction.atomic
def support_move_to_original(*, duplicate: Idea, user: User) -> bool:
    """A supporter of a duplicate chooses to move their support to the
    original idea. Never done without the person asking.

    Same order as every support path: the rows first (the duplicate's
    deleted, the original's inserted unless given before), then both ideas
    locked in id order, their statuses checked again under the locks, and
    the counters changed. A refusal rolls the rows back too.
    """
    _of_this_city(duplicate)
    # The caller's object may predate the marking: read where it points now
    # (checked again under the locks below).
    status, original_id = Idea.objects.filter(pk=duplicate.pk).values_list(
        "status", "duplicate_of_id"
    ).first() or (None, None)
    if status != IdeaStatus.DUPLICATE or original_id is None:
        raise InvalidInput(_("This idea is not marked as a duplicate."))
    table = Support._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE city_id = %s AND idea_id = %s AND user_id = %s "  # noqa: S608
            "RETURNING id",
            [duplicate.city_id, duplicate.pk, user.pk],
        )
        if cursor.fetchone() is None:
            raise InvalidInput(_("You do not support this idea."))
        cursor.execute(
            f"INSERT INTO {table} (city_id, idea_id, user_id, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (idea_id, user_id) DO NOTHING RETURNING id",
            [duplicate.city_id, original_id, user.pk, timezone.now()],
        )
        inserted = cursor.fetchone() is not None
    locked = {
        idea.pk: idea
        for idea in Idea.objects.select_for_update(of=("self",))
        .select_related("challenge")
        .filter(pk__in=[duplicate.pk, original_id])
        .order_by("pk")
    }
    now_duplicate = locked.get(duplicate.pk)
    original = locked.get(original_id)
    if (
        now_duplicate is None
        or now_duplicate.status != IdeaStatus.DUPLICATE
        or now_duplicate.duplicate_of_id != original_id
    ):
        raise InvalidInput(_("This idea is not marked as a duplicate."))
    if (
        original is None
        or original.status not in PUBLIC_STATUSES
        or not original.challenge.accepts_supports
    ):
        raise NotAllowed(_("The original idea cannot be supported at the moment."))
    Idea.objects.filter(pk=duplicate.pk).update(support_count=F("support_count") - 1)
    if inserted:
        Idea.objects.filter(pk=original.pk).update(support_count=F("support_count") + 1)
    return True
