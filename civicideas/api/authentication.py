"""Token authentication bound to the city whose host issued the token."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from civicideas.api.tokens import token_find

KEYWORDS = (b"token", b"bearer")


class CityTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <secret>`` (``Bearer`` is accepted too).

    The lookup runs in the request's city, so a token from another city's
    host is refused with 401 exactly like an unknown one. On the platform
    host (no city) tokens are not accepted at all.
    """

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if getattr(request._request, "city", None) is None or len(raw) > 100:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = token_find(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """REST framework's session authentication (with its CSRF check), whose
    refusal carries the code ``csrf_failed``, as Django's CSRF refusals under
    ``/api/`` do (``civicideas.api.errors.csrf_failure``), so a client can
    tell it from a missing permission."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as refusal:
            raise exceptions.PermissionDenied(str(refusal.detail), code="csrf_failed") from None
