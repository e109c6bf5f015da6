"""Who counts as signed in, for every app's rules and services.

One definition, because the apps' rules must agree on it: an anonymous
visitor, no user at all, and an account that was deactivated are all
"not signed in", whatever the session says. And who may post links."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeIs

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from civicideas.accounts.types import Viewer

from django.utils.translation import gettext


def signed_in(user: Viewer | None) -> TypeIs[User]:
    """The user is authenticated and their account is active; past this
    check, type checkers know ``user`` is a ``User``."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def has_verified_email(user: Viewer | None) -> bool:
    """The person confirmed one of their email addresses (allauth).

    One definition for submitting ideas (``ideas.services.idea_submit``, and
    the submit page that warns before the form is filled in), for getting
    an API token and for posting links in comments, so the page, the service
    and the API cannot disagree on who counts as verified. Nobody signed in
    has no verified address.
    """
    if not signed_in(user):
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


#: What counts as a link in a comment: an address with a scheme, one starting
#: with "www.", or a bare host name on a common top-level domain
#: ("cheap-pills.com/buy"), the forms spam uses.
LINK_PATTERN = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|"
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|xyz|top|ru|cn|"
    r"be|fr|nl|de|eu|uk|shop|site|online|click|link)\b)",
    re.IGNORECASE,
)


def contains_link(text: str) -> bool:
    return bool(LINK_PATTERN.search(text or ""))


def link_refusal(user: Viewer, text: str) -> str | None:
    """Why ``user`` may not post ``text``, or ``None``: an account that has
    not confirmed its e-mail address posts no links (spam accounts rarely
    confirm). The one rule of the comment service, so the page and the API
    answer the same."""
    if not contains_link(text) or has_verified_email(user):
        return None
    return gettext("You can post links once you have confirmed your e-mail address.")
