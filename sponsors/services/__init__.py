"""Everything that changes groups, initiatives, needs, sponsors and offers.

One module per family, all re-exported here so callers keep writing
``services.offer_accept(...)``: ``groups``, ``initiatives`` (and their
needs and progress updates), ``profiles`` (sponsors), ``offers``,
``facilitation`` (introductions, the match fund) and ``checks`` (input
cleaning and helpers they share).

Views, admin actions, tasks and the demo call these; each checks its rule
(``sponsors.rules``), writes in one transaction and writes the
notifications of the change in the same transaction (outbox).

Locking order, so two acceptances never deadlock: need → offer → initiative
→ match fund.

Optimistic concurrency (``civicideas.concurrency``): the group's decisions
on an initiative (edit, publish, cancel, complete), a need (close) and an
offer (accept, partly accept, decline, withdraw) take ``expected_version``,
checked under the row lock above; each bumps the thing's ``lock_version``.
Derived figures (``_initiative_refresh``, a need's ``fulfilled``) do not.

Quantities are ``Decimal`` with two places; CHECK constraints in the models
hold even if a rule here were wrong.
"""

from __future__ import annotations

from sponsors.services.checks import (
    CENT,
    MESSAGE_MAX,
    UNITS_FOR,
    ZERO,
    clean_quantity,
    clean_website,
)
from sponsors.services.facilitation import (
    introduction_make,
    match_fund_set,
)
from sponsors.services.groups import (
    group_approve,
    group_create,
    group_member_add,
    idea_link_group,
)
from sponsors.services.initiatives import (
    _initiative_refresh,
    _refresh_initiative_search,
    initiative_cancel,
    initiative_complete,
    initiative_create,
    initiative_publish,
    initiative_update,
    need_add,
    need_close,
    progress_update_post,
)
from sponsors.services.offers import (
    Acceptance,
    offer_accept,
    offer_decline,
    offer_make,
    offer_withdraw,
)
from sponsors.services.profiles import (
    _refresh_sponsor_search,
    sponsor_member_add,
    sponsor_register,
    sponsor_update,
    sponsor_verify,
)

__all__ = [
    "CENT",
    "MESSAGE_MAX",
    "UNITS_FOR",
    "ZERO",
    "Acceptance",
    "_initiative_refresh",
    "_refresh_initiative_search",
    "_refresh_sponsor_search",
    "clean_quantity",
    "clean_website",
    "group_approve",
    "group_create",
    "group_member_add",
    "idea_link_group",
    "initiative_cancel",
    "initiative_complete",
    "initiative_create",
    "initiative_publish",
    "initiative_update",
    "introduction_make",
    "match_fund_set",
    "need_add",
    "need_close",
    "offer_accept",
    "offer_decline",
    "offer_make",
    "offer_withdraw",
    "progress_update_post",
    "sponsor_member_add",
    "sponsor_register",
    "sponsor_update",
    "sponsor_verify",
]
