"""Ideas typed in by staff for someone: invitations to claim them, and the
claim (docs/offline.md).

The idea itself goes through ``idea_submit`` like an on-line one; this
module adds the part only off-line ideas have. An invitation is a row
(``IdeaInvitation``) plus a signed link holding its id and a random nonce,
valid ``INVITATION_DAYS`` days and once. Whoever follows the link must be
signed in with the invited address, verified; the idea then becomes theirs.

Staff may send an invitation again (``invitation_resend``: a fresh nonce,
so the old link stops working, and 30 more days); ``invitations_sweep``
blanks the address of invitations never claimed once they have been expired
``OFFLINE_INVITATION_KEEP_DAYS`` days (docs/privacy.md).

Lock order: the idea, then the invitation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.tenancy.context import city_context, current_city
from civicideas.tenancy.urls import city_url
from ideas import cache_keys
from ideas.models import Idea, IdeaInvitation, StatusChange
from ideas.services.common import _mark_changed

if TYPE_CHECKING:
    from civicideas.accounts.models import User

INVITATION_DAYS = 30
#: A second send of the same invitation within this many seconds is refused:
#: a double-click or a stale resubmitted action sends one e-mail.
RESEND_PAUSE_SECONDS = 60
_SALT = "ideas.claim.v1"


def claim_token(invitation: IdeaInvitation) -> str:
    return signing.dumps([invitation.pk, invitation.nonce], salt=_SALT, compress=False)


def claim_url(invitation: IdeaInvitation) -> str:
    return city_url(invitation.city, reverse("ideas:claim", args=[claim_token(invitation)]))


def _send(invitation_id: int, city_id: int) -> None:
    from allauth.account.adapter import get_adapter

    from civicideas.tenancy.models import City

    city = City.objects.get(pk=city_id)
    with city_context(city):
        invitation = IdeaInvitation.objects.select_related("idea").get(pk=invitation_id)
        with translation.override(invitation.idea.language or city.default_language):
            # allauth's rendering (its subject prefix and sender), without
            # its ``send_mail``, which wants the request of an account page.
            get_adapter().render_mail(
                "ideas/email/idea_claim",
                invitation.email,
                {
                    "idea_title": invitation.idea.title,
                    "claim_url": claim_url(invitation),
                    "days": INVITATION_DAYS,
                    "city": city,
                },
            ).send()


def invitation_send(*, idea: Idea, email: str, by: User | None) -> IdeaInvitation:
    """Invite the person at ``email`` to claim ``idea``, which has no author.

    The e-mail leaves after the commit (allauth's mail, like the account
    e-mails), so a rolled-back entry sends nothing. Call inside the
    transaction that created the idea, or with its row lock.
    """
    from django.core.validators import validate_email

    email = (email or "").strip()
    try:
        validate_email(email)
    except Exception:  # noqa: BLE001 - ValidationError, one clear message
        raise InvalidInput(_("Enter a valid e-mail address.")) from None
    if idea.author_id is not None:
        raise InvalidInput(_("This idea already has an author."))
    if by is None:
        raise NotAllowed(_("Only the city's staff invite someone to claim an idea."))
    invitation = IdeaInvitation.objects.create(
        city=current_city(),
        idea=idea,
        email=email,
        nonce=secrets.token_hex(16),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    _send_after_commit(invitation)
    return invitation


def _send_after_commit(invitation: IdeaInvitation) -> None:
    city_id, invitation_id = invitation.city_id, invitation.pk
    # robust: a mail server that is down is logged, and the entered idea
    # stays, without an author (docs/offline.md).
    transaction.on_commit(lambda: _send(invitation_id, city_id), robust=True)


def invitation_sent_at(invitation: IdeaInvitation) -> datetime:
    """When the invitation's e-mail last left: every send (first or again)
    sets ``expires_at`` to ``INVITATION_DAYS`` after it."""
    return invitation.expires_at - timedelta(days=INVITATION_DAYS)


@transaction.atomic
def invitation_resend(*, invitation: IdeaInvitation, by: User) -> IdeaInvitation:
    """Send the invitation's e-mail again with a new link, valid
    ``INVITATION_DAYS`` days from now; the previous link stops working (new
    nonce). Refused once claimed, once the idea has an author, once the
    address has been swept, and within ``RESEND_PAUSE_SECONDS`` of the last
    send (so a double-click sends one e-mail). Locks the idea, then the
    invitation."""
    Idea.objects.select_for_update().filter(pk=invitation.idea_id).first()
    locked = (
        IdeaInvitation.objects.select_for_update(of=("self",))
        .select_related("idea")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None:
        raise NotAllowed(_("This invitation does not exist."))
    if locked.claimed_at is not None:
        raise NotAllowed(_("This invitation has already been claimed."))
    if locked.idea.author_id is not None:
        raise NotAllowed(_("This idea already has an author."))
    if not locked.email:
        raise NotAllowed(
            _("The address of this invitation was cleared after it expired; enter it again.")
        )
    now = timezone.now()
    if now - invitation_sent_at(locked) < timedelta(seconds=RESEND_PAUSE_SECONDS):
        raise Conflict(_("This invitation was sent less than a minute ago."))
    locked.nonce = secrets.token_hex(16)
    locked.expires_at = now + timedelta(days=INVITATION_DAYS)
    locked.save(update_fields=["nonce", "expires_at"])
    _send_after_commit(locked)
    return locked


def invitation_keep_days() -> int:
    return int(getattr(settings, "OFFLINE_INVITATION_KEEP_DAYS", 90))


def invitations_sweep() -> int:
    """Blank the address of the current city's invitations never claimed and
    expired more than ``OFFLINE_INVITATION_KEEP_DAYS`` days ago: the address
    of someone who never took part is not kept for ever. The row stays (the
    idea's history says it was offered). Idempotent; returns the count."""
    cutoff = timezone.now() - timedelta(days=invitation_keep_days())
    return (
        IdeaInvitation.objects.filter(claimed_at__isnull=True, expires_at__lt=cutoff)
        .exclude(email="")
        .update(email="")
    )


@dataclass(frozen=True)
class ClaimCheck:
    """What a claim link is worth: ``state`` is ``ok``, ``invalid``
    (unreadable, forged, another city's, for an invitation that no longer
    exists), ``expired`` or ``used``."""

    state: str
    invitation: IdeaInvitation | None = None


def invitation_for_token(token: str) -> ClaimCheck:
    """Read a claim link. Never raises: every bad token is a state."""
    try:
        pk, nonce = signing.loads(
            str(token)[:500], salt=_SALT, max_age=timedelta(days=INVITATION_DAYS)
        )
        pk, nonce = int(pk), str(nonce)
    except signing.SignatureExpired:
        return ClaimCheck("expired")
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return ClaimCheck("invalid")
    if not 0 < pk < 2**63:
        return ClaimCheck("invalid")
    # Scoped to the current city: another city's link is "invalid" here.
    invitation = IdeaInvitation.objects.select_related("idea").filter(pk=pk).first()
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        return ClaimCheck("invalid")
    if invitation.claimed_at is not None:
        return ClaimCheck("used", invitation)
    if invitation.expires_at <= timezone.now():
        return ClaimCheck("expired", invitation)
    return ClaimCheck("ok", invitation)


def may_claim(user: User, invitation: IdeaInvitation) -> bool:
    """Signed in with the invited address, and that address verified."""
    from allauth.account.models import EmailAddress

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()


@transaction.atomic
def idea_claim(*, invitation: IdeaInvitation, user: User) -> Idea:
    """``user`` becomes the author of the invitation's idea.

    Refused unless the invitation is open, the idea has no author and the
    user holds the invited address, verified. Writes a (non-public) entry
    on the idea's timeline, so staff see when it changed hands.
    """
    idea = Idea.objects.select_for_update().get(pk=invitation.idea_id)
    invitation = IdeaInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise NotAllowed(_("This invitation has already been used or has expired."))
    if not may_claim(user, invitation):
        raise NotAllowed(_("Sign in with the e-mail address the invitation was sent to."))
    if idea.author_id is not None:
        raise NotAllowed(_("This idea already has an author."))
    idea.author = user
    idea.save(update_fields=["author"])
    _mark_changed(idea, by=user)
    invitation.claimed_at, invitation.claimed_by = timezone.now(), user
    invitation.save(update_fields=["claimed_at", "claimed_by"])
    StatusChange.objects.create(
        city=idea.city,
        idea=idea,
        from_status=idea.status,
        to_status=idea.status,
        changed_by=user,
        message=_("The person who gave this idea claimed it with their account."),
        is_public=False,
    )
    cache_keys.idea_changed(idea)
    return idea
