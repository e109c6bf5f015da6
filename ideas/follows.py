"""Who hears that a challenge is open for ideas.

People follow the whole city or some of its categories (``Follow``). When a
challenge opens for ideas, ``challenge_announce`` tells everyone who follows
the city or one of the challenge's categories, once per challenge, through
the outbox (a large audience is written in bulk batches and delivered in
chunks by the workers; the default channel is the weekly digest, so nobody
gets flooded).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas import inputs
from civicideas.accounts.rules import signed_in
from civicideas.accounts.services import profile_ensure
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from ideas import notifications as kinds
from ideas.models import Category, Challenge, Follow

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from civicideas.accounts.types import Viewer

#: Reads the audience from the database in chunks of this many ids.
AUDIENCE_CHUNK = 5_000


@dataclass(frozen=True)
class Following:
    """What one person follows in the current city."""

    city_wide: bool
    category_ids: frozenset[int]

    @property
    def anything(self) -> bool:
        return self.city_wide or bool(self.category_ids)


def following_of(user: Viewer) -> Following:
    """One query; nothing for anonymous visitors."""
    if not signed_in(user):
        return Following(False, frozenset())
    rows = list(Follow.objects.filter(user=user).values_list("category_id", flat=True))
    return Following(None in rows, frozenset(pk for pk in rows if pk is not None))


def follows_city(user: Viewer) -> bool:
    """Whether the person follows the whole current city (the home's
    follow button): one indexed ``EXISTS``; False for anonymous visitors."""
    if not signed_in(user):
        return False
    return Follow.objects.filter(user=user, category__isnull=True).exists()


def _signed_in_user(user: Viewer) -> User:
    if not signed_in(user):
        raise NotAllowed(_("Sign in to follow new challenges."))
    return user


@transaction.atomic
def follows_set(*, user: Viewer, city_wide: bool, category_ids: Iterable[int | str]) -> Following:
    """Replace what the person follows in the current city.

    Category ids come from a form: an id that is not one of this city's
    categories refuses the whole choice (a tampered form), so nothing is
    half-applied.
    """
    person = _signed_in_user(user)
    ids = inputs.parse_ids(category_ids)
    if ids is None:
        raise InvalidInput(_("Choose among this city's categories."))
    wanted = set(ids)
    known = set(Category.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if known != wanted:
        raise InvalidInput(_("Choose among this city's categories."))
    city = current_city()
    profile_ensure(user=person)
    keep = Q(category_id__in=wanted) | (Q(category__isnull=True) if city_wide else Q(pk__in=[]))
    Follow.objects.filter(user=person).exclude(keep).delete()
    rows = [Follow(city=city, user=person, category_id=pk) for pk in sorted(wanted)]
    if city_wide:
        rows.append(Follow(city=city, user=person, category=None))
    # Two tabs saving at once: the unique constraint keeps one row each.
    Follow.objects.bulk_create(rows, ignore_conflicts=True)
    return Following(city_wide, frozenset(wanted))


@transaction.atomic
def follow_city(*, user: Viewer, follow: bool) -> Following:
    """Follow (or stop following) every new challenge of the current city,
    keeping the category follows as they are (the city home's button)."""
    current = following_of(user)
    return follows_set(user=user, city_wide=follow, category_ids=current.category_ids)


def challenge_audience(challenge: Challenge) -> QuerySet:
    """Ids of the active people who follow the city or one of the
    challenge's categories, each once."""
    category_ids = list(challenge.categories.values_list("pk", flat=True))
    return (
        Follow.objects.filter(Q(category__isnull=True) | Q(category_id__in=category_ids))
        .filter(user__is_active=True)
        .values_list("user_id", flat=True)
        .order_by("user_id")
        .distinct()
    )


@transaction.atomic
def challenge_announce(*, challenge: Challenge) -> int:
    """Tell the followers that the challenge is open for ideas; returns how
    many were notified.

    Call it after the challenge *and its categories* are saved, in the same
    transaction (the admin's ``save_related``, the demo). It does nothing
    unless the challenge is open for ideas, and announces a challenge once:
    the row lock and ``announced_at`` make a second call, a double submit or
    a phase that goes back and forth a no-op.
    """
    locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
    if locked.phase != Challenge.Phase.IDEAS or locked.announced_at is not None:
        return 0
    locked.announced_at = timezone.now()
    locked.save(update_fields=["announced_at"])
    challenge.announced_at = locked.announced_at
    return notify(
        recipient_ids=challenge_audience(locked).iterator(chunk_size=AUDIENCE_CHUNK),
        kind=kinds.CHALLENGE_OPENED,
        about=locked,
        payload={"title": locked.title, "slug": locked.slug, "summary": locked.summary},
    )
