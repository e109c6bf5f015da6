"""People's choices: per person, per city, per kind, how (and whether) to email.

No row means the kind's default (``kinds``), so a city of a million people
stores only the choices people actually made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput
from civicideas.notifications.kinds import KINDS, Kind, audiences_of
from civicideas.notifications.models import Channel, NotificationPreference
from civicideas.tenancy.context import current_city
from civicideas.tenancy.models import Membership

if TYPE_CHECKING:
    from civicideas.accounts.models import User

#: Unsubscribe "kinds" for digest emails: every kind in that digest goes off.
DIGEST_KIND_PREFIX = "digest:"


def chosen_channels(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """The stored choices of these people in the current city (one query)."""
    rows = NotificationPreference.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "kind", "channel"
    )
    return {(user_id, kind): channel for user_id, kind, channel in rows}


def channel_for(choices: Mapping[tuple[int, str], str], user_id: int, kind: Kind) -> str:
    return choices.get((user_id, kind.key), kind.default)


def roles_of(user_ids: Iterable[int]) -> dict[int, set[str]]:
    rows = Membership.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "roles")
    return {user_id: set(roles or ()) for user_id, roles in rows}


def preferences_for(user: User) -> list[tuple[Kind, str]]:
    """The kinds this person may receive in the current city, given their
    roles and the audiences they belong to, with their channel: a citizen is
    not offered evaluators', city admins' or sponsors' kinds."""
    roles = roles_of([user.pk]).get(user.pk, set())
    choices = chosen_channels([user.pk])
    kinds = [kind for kind in KINDS.values() if kind.may_receive(roles)]
    member_of = audiences_of(user, {name for kind in kinds for name in kind.audiences})
    return [
        (kind, channel_for(choices, user.pk, kind))
        for kind in kinds
        if not kind.audiences or kind.audiences & member_of
    ]


@transaction.atomic
def preferences_set(*, user: User, choices: Mapping[str, str]) -> int:
    """Store a person's choices in the current city; returns how many changed.

    Unknown kinds or channels are refused as a whole (a tampered form), so a
    half-applied form never happens.
    """
    valid_channels = set(Channel.values)
    for kind, channel in choices.items():
        if kind not in KINDS or channel not in valid_channels:
            raise InvalidInput(_("Choose one of the offered options."))
    city = current_city()
    current = chosen_channels([user.pk])
    changed = 0
    for kind, channel in choices.items():
        # Unchanged, or the default with nothing stored: no row to write.
        if current.get((user.pk, kind), KINDS[kind].default) == channel:
            continue
        NotificationPreference.objects.update_or_create(
            city=city, user_id=user.pk, kind=kind, defaults={"channel": channel}
        )
        changed += 1
    return changed


@transaction.atomic
def preference_unsubscribe(*, user_id: int, kind: str) -> list[str]:
    """Turn email off for one kind, or for every kind of one digest.

    Called by the one-click unsubscribe link (no session: the signed token
    names the person, the city and the kind). Returns the kinds turned off.
    """
    if kind.startswith(DIGEST_KIND_PREFIX):
        period = kind.removeprefix(DIGEST_KIND_PREFIX)
        choices = chosen_channels([user_id])
        keys = [k.key for k in KINDS.values() if channel_for(choices, user_id, k) == period]
    elif kind in KINDS:
        keys = [kind]
    else:
        raise InvalidInput(_("This unsubscribe link is not valid."))
    city = current_city()
    for key in keys:
        NotificationPreference.objects.update_or_create(
            city=city, user_id=user_id, kind=key, defaults={"channel": Channel.OFF}
        )
    return keys
