"""Issuing, finding and revoking API tokens (services for ``ApiToken``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from civicideas.apitokens.models import ApiToken
from civicideas.tenancy.context import all_cities_context, current_city

if TYPE_CHECKING:
    from civicideas.accounts.models import User

TOKEN_PREFIX = "civ_"  # noqa: S105 - a marker, not a secret
#: ``last_used_at`` is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_issue(*, user: User) -> tuple[ApiToken, str]:
    """Create a token for ``user`` in the current city; returns it with the
    raw secret, which is never stored and cannot be shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        city=current_city(), user=user, key_hash=hash_token(raw), key_prefix=raw[:10]
    )
    return token, raw


def token_find(raw: str) -> ApiToken | None:
    """The active token with this secret in the current city, or None.

    Scoped to the current city (manager and row-level security), so a token
    issued on another city's host is not found.
    """
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def tokens_revoke_all(*, user: User) -> int:
    """Revoke every active token of ``user`` in every city; returns how many.

    Called when the credentials behind the tokens end: the password is
    changed or reset, or the account is deactivated or deleted
    (``accounts.services``). Tokens are tenant rows, so this is one of the
    rare explicit cross-city writes.
    """
    with all_cities_context():
        return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
