"""Signed one-click unsubscribe links.

The token names the person, the city and the kind, signed with the secret key
under a salt used for nothing else, so a link cannot be forged, altered to
another person or kind, or replayed on another city's host. It does not
expire: people unsubscribe from old emails too, and all it can do is turn an
email off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "civicideas.notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    city_id: int
    kind: str


def make_token(*, user_id: int, city_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "c": city_id, "k": kind}, salt=SALT)


def read_token(token: str, *, city_id: int) -> Unsubscribe | None:
    """The request the token signs, or None when forged, altered or for another city."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, token_city, kind = data.get("u"), data.get("c"), data.get("k")
    if not (isinstance(user_id, int) and isinstance(token_city, int) and isinstance(kind, str)):
        return None
    if token_city != city_id:
        return None
    return Unsubscribe(user_id=user_id, city_id=token_city, kind=kind)
