"""Who counts as signed in, for every app's rules and services.

One definition, because the apps' rules must agree on it: an anonymous
visitor, no user at all, and an account that was deactivated are all
"not signed in", whatever the session says. And who may post links."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext


def signed_in(user: Any) -> bool:
    """The user is authenticated and their account is active."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


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


def has_verified_email(user: Any) -> bool:
    """The person confirmed an address (allauth's ``EmailAddress``)."""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def link_refusal(user: Any, text: str) -> str | None:
    """Why ``user`` may not post ``text``, or ``None``: an account that has
    not confirmed its e-mail address posts no links (spam accounts rarely
    confirm). The one rule of the comment service, so the page and the API
    answer the same."""
    if not contains_link(text) or has_verified_email(user):
        return None
    return gettext("You can post links once you have confirmed your e-mail address.")
