"""What other cities say about a practice: staff comments and "we tried
this too"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import NotAllowed
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from exchange import rules
from exchange.models import PracticeComment, TriedToo

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from exchange.models import Practice

COMMENT_MAX = 2000


@transaction.atomic
def practice_comment(*, by: User, practice: Practice, text: str) -> PracticeComment:
    """A civil servant's question or remark, shown with their city and role."""
    if not rules.can_comment(by, practice):
        raise NotAllowed(_("Only a city's staff can comment on a practice."))
    text = clean_text(text, field=_("Comment"), max_length=COMMENT_MAX, required=True)
    return PracticeComment.objects.create(
        practice=practice,
        author=by,
        author_city=current_city(),
        author_role=rules.staff_role(by),
        text=text,
    )


@transaction.atomic
def practice_tried_too(*, by: User, practice: Practice, outcome: str) -> TriedToo:
    """ "We tried this too": one per city, a second one replaces the first."""
    if not rules.can_mark_tried(by, practice):
        raise NotAllowed(_("Only another city's administrators can say they tried it too."))
    outcome = clean_text(outcome, field=_("Our outcome"), max_length=COMMENT_MAX, required=True)
    tried, _created = TriedToo.objects.update_or_create(
        practice=practice, trying_city=current_city(), defaults={"outcome": outcome}
    )
    return tried
