"""Who counts as signed in, for every app's rules and services.

One definition, because the apps' rules must agree on it: an anonymous
visitor, no user at all, and an account that was deactivated are all
"not signed in", whatever the session says."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeIs

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from civicideas.accounts.types import Viewer


def signed_in(user: Viewer | None) -> TypeIs[User]:
    """The user is authenticated and their account is active; past this
    check, type checkers know ``user`` is a ``User``."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def has_verified_email(user: Viewer | None) -> bool:
    """The person confirmed one of their email addresses (allauth).

    One definition for submitting ideas (``ideas.services.idea_submit``, and
    the submit page that warns before the form is filled in) and for getting
    an API token, so the page, the service and the API cannot disagree on
    who counts as verified. Nobody signed in has no verified address.
    """
    if not signed_in(user):
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()
