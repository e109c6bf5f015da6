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
