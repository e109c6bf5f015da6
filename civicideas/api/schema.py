"""What drf-spectacular says about the API beyond each view: the token
scheme, and the error answers every operation can give.

Each view declares its own successful answers (and may declare errors with
``ERROR``); ``AutoSchema`` then adds the standard error answers that the
shared machinery gives on any operation of its kind — authentication (401),
permissions and CSRF (403), the platform host and missing objects (404),
invalid input (400), bodies (413, 415), idempotency keys and service
conflicts (409), throttles (429) — so a generated client knows every status
the API answers with, each in the one error shape of
``civicideas.api.errors``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers with: a machine-readable `code` and a
    message for people in `detail` (in the request's language)."""

    code = serializers.CharField(help_text="Machine-readable, e.g. `not_found`, `throttled`.")
    detail = serializers.CharField(help_text="For people, translated.")

    class Meta:
        ref_name = "Error"


class ValidationErrorSerializer(ErrorSerializer):
    """An error that may list messages per field (400)."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=(
            "Messages per field when the input was invalid; nested fields are named "
            "with dots (`choices.kind`), others are under `non_field_errors`."
        ),
    )

    class Meta:
        ref_name = "ValidationError"


RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again.",
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "schema": {"type": "string"},
        "description": "The authentication scheme to use (`Token`).",
    }
}

# status → (description, headers)
STANDARD_ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Invalid input: `errors` lists the messages per field.", {}),
    401: ("Missing, invalid or revoked credentials.", WWW_AUTHENTICATE),
    403: ("Not allowed for this person, or a session request without its CSRF token.", {}),
    404: ("No such object (or not visible to you), or no city at this host.", {}),
    406: ("The `Accept` header allows no JSON.", {}),
    409: (
        "Conflicts with the current state, a stale `lock_version`, or an `Idempotency-Key` reused.",
        {},
    ),
    412: ("`If-Match` names a version that is no longer current.", {}),
    413: ("The request body is too large.", {}),
    415: ("The request body is not JSON.", {}),
    429: ("Too many requests: wait `Retry-After` seconds.", RETRY_AFTER),
    503: ("The database is unreachable: wait `Retry-After` seconds.", RETRY_AFTER),
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, adding the standard error answers."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            responses = operation["responses"]
            for status in self.error_statuses(operation):
                self._declare_error(responses, status)
            operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_statuses(self, operation: dict[str, Any]) -> list[int]:
        """The error statuses this operation can answer with."""
        has_body = "requestBody" in operation
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        # An operation with no credentials at all (issuing a token) has no
        # authentication or permission to fail; `{}` alone means "optional".
        authenticated = any(requirement for requirement in operation.get("security", []))
        # The platform host has no API (404); JSON only (406); a database
        # outage answers 503 anywhere (civicideas/ops/faults.py).
        statuses = [404, 406, 503]
        if has_body or has_query or self.method in UNSAFE_METHODS:
            statuses.append(400)
        if authenticated:
            statuses += [401, 403]
        if authenticated and self.method in UNSAFE_METHODS:
            statuses += [409, 412]
        if has_body:
            statuses += [413, 415]
        if self.view.get_throttles():
            statuses.append(429)
        return sorted(statuses)

    def _declare_error(self, responses: dict[str, Any], status: int) -> None:
        declared = responses.get(str(status))
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        if declared is not None:
            schema = declared.get("content", {}).get("application/json", {}).get("schema")
            if schema != error_ref:
                return  # the view documents something more specific
        serializer = ValidationErrorSerializer if status == 400 else ErrorSerializer
        description, headers = STANDARD_ERRORS[status]
        response: dict[str, Any] = {
            "description": description,
            "content": {
                "application/json": {"schema": self.resolve_serializer(serializer, "response").ref}
            },
        }
        if headers:
            response["headers"] = headers
        responses[str(status)] = response


class CityTokenScheme(OpenApiAuthenticationExtension):
    target_class = "civicideas.api.authentication.CityTokenAuthentication"
    name = "cityToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <secret>` from `POST /api/v1/auth/token/`. A token works only "
                "on the host of the city that issued it."
            ),
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "civicideas.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The browser session; writes need the `X-CSRFToken` header.",
        }
