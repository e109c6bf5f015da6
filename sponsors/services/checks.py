"""Shared checks and helpers of the sponsors services: input cleaning
(quantities, websites, e-mails), the current city's objects only, match
recomputation after commit, and who is notified."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput
from civicideas.tenancy.context import current_city
from civicideas.tenancy.roles import Role
from civicideas.text import ascii_urls, clean_text
from sponsors.models import (
    QUANTITY_MAX,
    CommunityGroup,
    GroupMembership,
    ResourceType,
    Sponsor,
    SponsorMembership,
    Unit,
)

#: One logger for the package, named as before the split.
logger = logging.getLogger("sponsors.services")

CENT = Decimal("0.01")
ZERO = Decimal(0)
MESSAGE_MAX = 2_000

#: Units each need type may be counted in; funding is always in EUR so the
#: match fund and budget fit can add it up.
UNITS_FOR = {
    ResourceType.FUNDING: {Unit.EUR},
    ResourceType.SPACE: {Unit.SQM, Unit.HOURS},
    ResourceType.EXPERTISE: {Unit.HOURS, Unit.PEOPLE},
    ResourceType.MATERIALS: {Unit.ITEMS, Unit.EUR},
    ResourceType.VOLUNTEERS: {Unit.PEOPLE, Unit.HOURS},
    ResourceType.OTHER: set(Unit),
}


def clean_quantity(value: object, *, field: str) -> Decimal:
    """A positive, finite amount of at most ``QUANTITY_MAX`` with two decimals.

    Strings are refused on purpose: forms parse text into ``Decimal``, so a
    string reaching a service is a programming or API error, not input.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field})
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field}) from None
    if number.is_nan() or number.is_infinite() or (isinstance(value, float) and math.isnan(value)):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field})
    if number > QUANTITY_MAX:
        raise InvalidInput(
            _("%(field)s is too large: at most %(max)s.") % {"field": field, "max": "1,000,000,000"}
        )
    number = number.quantize(CENT, rounding=ROUND_DOWN)
    if number <= 0:
        raise InvalidInput(_("%(field)s must be more than zero.") % {"field": field})
    return number


def clean_website(value: object) -> str:
    """Only absolute http(s) URLs: a ``javascript:`` or ``data:`` link on a
    sponsor's page would run in the city's origin."""
    website = clean_text(value, field=_("Website"), max_length=200, required=False)
    if not website:
        return ""
    parts = urlsplit(website)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in website:
        raise InvalidInput(_("The website must be an address starting with http:// or https://."))
    # Stored with an ASCII hostname: a look-alike of a known domain shows
    # as punycode wherever the address is shown (pages, admin, API).
    return ascii_urls(website)


def _clean_email(value: object, *, field: str) -> str:
    email = clean_text(value, field=field, max_length=254, required=True)
    try:
        EmailValidator()(email)
    except ValidationError:
        raise InvalidInput(
            _("%(field)s is not a valid email address.") % {"field": field}
        ) from None
    return email


def _own_city(objects: Iterable[Any], *, message: str) -> list[Any]:
    items = list(objects or [])
    city = current_city()
    if any(getattr(obj, "city_id", None) != city.pk for obj in items):
        raise InvalidInput(message)
    return items


def _queue_recompute(
    *, initiative_ids: Iterable[int] = (), sponsor_ids: Iterable[int] = ()
) -> None:
    """After commit, recompute the matches a change affects (Celery). A
    broker outage only delays matches: the nightly full recompute catches up."""
    city_id = current_city().pk
    initiative_ids, sponsor_ids = list(initiative_ids), list(sponsor_ids)

    def send() -> None:
        from sponsors import tasks

        try:
            for pk in initiative_ids:
                tasks.recompute_initiative_matches.delay(city_id, pk)
            for pk in sponsor_ids:
                tasks.recompute_sponsor_matches.delay(city_id, pk)
        except Exception:
            logger.warning("Could not queue match recomputation", exc_info=True)

    transaction.on_commit(send)


def _staff_ids() -> list[int]:
    from civicideas.tenancy.models import Membership

    return list(
        Membership.objects.filter(roles__contains=[Role.CITY_ADMIN.value]).values_list(
            "user_id", flat=True
        )
    )


def _group_member_ids(group: CommunityGroup, *, admins_only: bool = False) -> list[int]:
    members = GroupMembership.objects.filter(group=group)
    if admins_only:
        members = members.filter(role=GroupMembership.Role.ADMIN)
    return list(members.values_list("user_id", flat=True))


def _sponsor_member_ids(sponsor: Sponsor) -> list[int]:
    return list(SponsorMembership.objects.filter(sponsor=sponsor).values_list("user_id", flat=True))


def _bump_idea_page(idea_id: int) -> None:
    """Anonymous visitors' cached copy of the idea's page is renewed after
    the commit (it shows the initiative that came from the idea)."""
    from civicideas.web.page_cache import bump_on_commit
    from ideas import cache_keys

    bump_on_commit(cache_keys.idea_scope(current_city().pk, idea_id))
