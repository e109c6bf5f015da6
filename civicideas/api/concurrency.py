"""Optimistic concurrency in the API (``civicideas.concurrency``).

A client that changes a versioned thing (an idea's moderation, an
initiative, a need, an offer) sends the version it read, either as
``If-Match: "<lock_version>"`` (the ``ETag`` of the thing's responses) or as
a ``lock_version`` field in the body. A stale one is refused with nothing
written: **412** when it came as ``If-Match`` (RFC 9110), **409** when it
came in the body; both bodies say who changed it, when, and the current
version. Without either the change is made unchecked, as before (docs/api.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from civicideas.api.errors import error_body
from civicideas.concurrency import StaleEdit, parse_version
from civicideas.errors import InvalidInput


@extend_schema_field(OpenApiTypes.INT)
class VersionField(serializers.Field):
    """``lock_version`` in a request body: ASCII digits only, bounded (a
    huge or exotic number is a 400, never a 500)."""

    default_error_messages = {"invalid": "The version must be a whole number."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault(
            "help_text",
            "The lock_version you read (or send If-Match). A newer one on the "
            "server: 409 and nothing is written.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int | None:
        if isinstance(data, float) or not isinstance(data, (int, str)):
            self.fail("invalid")
        try:
            return parse_version(data)
        except InvalidInput:
            self.fail("invalid")

    def to_representation(self, value: Any) -> int:
        return int(value)


def if_match_version(request: Request) -> int | None:
    """The version in ``If-Match`` (``"3"`` or ``W/"3"``); ``None`` when the
    header is absent or ``*``. Anything else is a 400."""
    raw = request.META.get("HTTP_IF_MATCH", "").strip()
    if not raw or raw == "*":
        return None
    if raw.startswith("W/"):
        raw = raw[2:]
    if len(raw) < 3 or raw[0] != '"' or raw[-1] != '"':
        raise InvalidInput(_('If-Match must be one ETag of this resource, such as "3".'))
    return parse_version(raw[1:-1])


def expected_version(request: Request, body_version: int | None = None) -> int | None:
    """The version the client read: ``If-Match`` or the body's
    ``lock_version``; if both are given they must agree."""
    header = if_match_version(request)
    if header is not None and body_version is not None and header != body_version:
        raise InvalidInput(_("If-Match and lock_version disagree."))
    return header if header is not None else body_version


def with_etag(response: Response, obj: Any) -> Response:
    """Give ``response`` the ``ETag`` of ``obj``'s version (for ``If-Match``)."""
    response["ETag"] = f'"{obj.lock_version}"'
    return response


def stale_response(exc: StaleEdit, request: Request | None) -> Response:
    """412 for an ``If-Match`` that no longer matches, 409 otherwise."""
    by_header = request is not None and bool(request.META.get("HTTP_IF_MATCH"))
    body = error_body("precondition_failed" if by_header else exc.code, exc.message) | {
        "lock_version": exc.current_version,
        "changed_by": exc.changed_by,
        "changed_at": exc.changed_at.isoformat() if exc.changed_at else None,
    }
    response = Response(body, status=412 if by_header else 409)
    response["ETag"] = f'"{exc.current_version}"'
    return response


def request_version(request: Request) -> int | None:
    """``expected_version`` of an action without a body serializer (publish,
    close, ...): ``If-Match`` or the body's ``lock_version``."""
    data = request.data if isinstance(request.data, dict) else {}
    raw = data.get("lock_version")
    if raw is not None and (isinstance(raw, (bool, float)) or not isinstance(raw, (int, str))):
        raise InvalidInput(_("The version must be a whole number."))
    return expected_version(request, parse_version(raw))


def add_etag(response: Response) -> Response:
    """A successful answer about one versioned thing (a body with a
    top-level ``lock_version``) carries it as its ``ETag``."""
    data = getattr(response, "data", None)
    if (
        200 <= response.status_code < 300
        and isinstance(data, dict)
        and isinstance(data.get("lock_version"), int)
        and not response.has_header("ETag")
    ):
        response["ETag"] = f'"{data["lock_version"]}"'
    return response


class VersionSerializer(serializers.Serializer):
    """The optional body of an action that changes a versioned thing."""

    lock_version = VersionField()
