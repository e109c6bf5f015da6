"""One error format for the API: ``{"detail": message, "code": code}``.

Services raise ``civicideas.errors.ServiceError`` subclasses with a
translated message and an HTTP status; REST framework's own errors keep
their status. Bad input is always a 4xx, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from civicideas.api.concurrency import stale_response
from civicideas.api.parsers import RequestTooLarge
from civicideas.concurrency import StaleEdit
from civicideas.errors import ServiceError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StaleEdit):
        return stale_response(exc, context.get("request"))
    if isinstance(exc, ServiceError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        messages = [str(m) for m in exc.messages] or ["Invalid input."]
        return Response(
            {"detail": " ".join(messages), "code": exc.code or "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        code = getattr(response.data["detail"], "code", None)
        if code and "code" not in response.data:
            response.data["code"] = code
    return response
