"""Who may do what with events: named predicates shared by the pages, the
admin and the services (``docs/events.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext

from civicideas.accounts.rules import has_verified_email, signed_in
from civicideas.tenancy.permissions import has_role
from civicideas.tenancy.roles import Role

if TYPE_CHECKING:
    from datetime import datetime

    from civicideas.accounts.types import Viewer
    from events.models import Event


def is_event_staff(user: Viewer | None) -> bool:
    """Moderators and city admins of the current city run its events."""
    return signed_in(user) and has_role(user, Role.MODERATOR, Role.CITY_ADMIN)


def event_refusal(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody can register for ``event`` now, or ``None``."""
    if event.is_cancelled:
        return gettext("This event is cancelled.")
    if event.has_started(now or timezone.now()):
        return gettext("This event has already started: registration is closed.")
    return None


def register_refusal(user: Viewer | None, event: Event, now: datetime | None = None) -> str | None:
    """Why ``user`` may not register for ``event``, or ``None``. The same
    account rules as submitting an idea: signed in, e-mail confirmed."""
    if not signed_in(user):
        return gettext("Sign in to register for this event.")
    if not has_verified_email(user):
        return gettext("Confirm your e-mail address before registering for an event.")
    return event_refusal(event, now)
