"""REST framework's exception handler, answering in the one error shape
(``civicideas.api.errors.error_body``).

Services raise ``civicideas.errors.ServiceError`` subclasses with a
translated message and an HTTP status; REST framework's own errors keep
their status and headers (``WWW-Authenticate`` on 401, ``Retry-After`` on
429, ``Allow`` on 405). Validation errors, REST framework's or Django's, list
their messages per field under ``errors``; nested fields are named with dots
(``choices.kind``, ``items.0.score``). Bad input is always a 4xx, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from civicideas.api.concurrency import stale_response
from civicideas.api.errors import error_body
from civicideas.api.parsers import RequestTooLarge
from civicideas.concurrency import StaleEdit
from civicideas.errors import ServiceError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StaleEdit):
        return stale_response(exc, context.get("request"))
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a 500, answered by civicideas.api.errors
    response.data = body_of(exc)
    return response


def body_of(exc: Exception) -> dict[str, Any]:
    """The error body of a REST framework exception."""
    if not isinstance(exc, exceptions.APIException):  # pragma: no cover - handled above
        return error_body("error", str(exc))
    detail = exc.detail
    if isinstance(detail, str) and not isinstance(exc, exceptions.ValidationError):
        return error_body(getattr(detail, "code", None) or exc.default_code, detail)
    # A ValidationError (or another exception given a list or dict).
    errors: dict[str, list[Any]] = {}
    _flatten(detail, "", errors)
    non_field = errors.get(api_settings.NON_FIELD_ERRORS_KEY, [])
    if non_field and len(errors) == 1:
        # Only non-field errors: their own code (e.g. ``invalid_cursor``).
        code = getattr(non_field[0], "code", None) or exc.default_code
        message = " ".join(str(m) for m in non_field)
    else:
        code = exc.default_code
        message = exceptions.ValidationError.default_detail
    return error_body(code, message, errors)


def _flatten(detail: Any, prefix: str, out: dict[str, list[Any]]) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == NON_FIELD_ERRORS:  # Django's "__all__"
                key = api_settings.NON_FIELD_ERRORS_KEY
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list | tuple):
                # A list of nested serializers: one entry per item.
                _flatten(value, f"{prefix}.{index}" if prefix else str(index), out)
            else:
                out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(value)
    else:
        out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(detail)
