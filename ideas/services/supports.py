"""Supporting an idea, and moving a support from a duplicate to its original."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from civicideas.accounts.services import profile_ensure
from civicideas.errors import InvalidInput, NotAllowed
from ideas import rules
from ideas.models import Idea, Support
from ideas.services.common import _locked
from ideas.status import PUBLIC_STATUSES, IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def idea_support(*, idea: Idea, user: User) -> bool:
    """Support an idea once. Returns False if the person already supported it.
    Authors may not support their own idea (``rules.can_support``).

    The idea row is locked first, so concurrent requests of one person
    serialise and the stored count always equals the number of rows.
    """
    idea = _locked(idea)
    if rules.is_own_idea(user, idea):
        raise NotAllowed(_("You cannot support your own idea."))
    if not rules.can_support(user, idea):
        raise NotAllowed(_("This idea cannot be supported at the moment."))
    if Support.objects.filter(idea=idea, user=user).exists():
        return False
    profile_ensure(user=user)
    Support.objects.create(city=idea.city, idea=idea, user=user)
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    return True


@transaction.atomic
def idea_unsupport(*, idea: Idea, user: User) -> bool:
    """Withdraw one's support while supports are open. False if there was none."""
    idea = _locked(idea)
    if not rules.supports_open_to(user, idea):
        raise NotAllowed(_("Supports for this idea are closed."))
    deleted, _details = Support.objects.filter(idea=idea, user=user).delete()
    if deleted:
        Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") - 1)
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
