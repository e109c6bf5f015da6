"""The one error shape of everything answered under ``/api/``.

``{"code": "<machine code>", "detail": "<human message>", "errors": {...}}``:
``code`` and ``detail`` always, ``errors`` (field name → messages, with
``non_field_errors`` for the rest) when the request was invalid.

REST framework's errors reach it through ``api_exception_handler``
(civicideas.api.exceptions). Answers Django gives before or beside REST
framework — an unknown path or an id the URL pattern refuses, a CSRF
refusal, a server error, an unknown host (answered early by the tenancy
middleware) — go through the views and ``error_response`` below, so an API
client never has to parse an HTML page. Pages keep Django's HTML answers.

This module imports nothing but Django, so the core (the tenancy middleware,
future middlewares such as a database-down answer) may use it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt

from civicideas.cache_policy import private_page

API_PREFIX = "/api/"

# The code and message of an answer that has nothing more specific to say.
# Codes are REST framework's, so a 404 from a view and one from routing agree.
STANDARD: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _("Bad request.")),
    401: ("not_authenticated", _("Authentication credentials were not provided.")),
    403: ("permission_denied", _("You do not have permission to perform this action.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("Method not allowed.")),
    406: ("not_acceptable", _("Could not satisfy the request Accept header.")),
    409: ("conflict", _("The request conflicts with the current state.")),
    412: ("precondition_failed", _("The resource has changed since you read it.")),
    413: ("too_large", _("The request body is too large.")),
    415: ("unsupported_media_type", _("Unsupported media type.")),
    429: ("throttled", _("Request was throttled.")),
    500: ("server_error", _("A server error occurred. It has been logged; try again later.")),
    503: (
        "service_unavailable",
        _("The service is temporarily unavailable. Try again in a moment."),
    ),
}


def error_body(
    code: str, detail: Any, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The JSON body of every API error (see the module docstring)."""
    body: dict[str, Any] = {"code": str(code), "detail": str(detail)}
    if errors is not None:
        body["errors"] = {
            str(field): [str(m) for m in messages] for field, messages in errors.items()
        }
    return body


def error_response(
    status: int,
    code: str | None = None,
    detail: Any = None,
    errors: dict[str, list[str]] | None = None,
) -> JsonResponse:
    """A plain Django JSON answer in the error shape (for code outside REST
    framework: middlewares, URL routing, Django's error handlers)."""
    default_code, default_detail = STANDARD.get(status, STANDARD[400 if status < 500 else 500])
    return JsonResponse(
        error_body(code or default_code, detail or default_detail, errors), status=status
    )


def is_api_path(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


# --- Django's error views: JSON under /api/, the usual pages elsewhere -------
# Wired in civicideas/urls.py (handler400 … handler500) and CSRF_FAILURE_VIEW.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request):
        return error_response(400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request):
        return error_response(403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request):
        return error_response(404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request):
        return error_response(500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_path(request):
        # Said in general terms: the reason names cookies and referers.
        return error_response(
            403,
            "csrf_failed",
            _("CSRF verification failed. Send the CSRF token, or use token authentication."),
        )
    return django_csrf_failure(request, reason)


@csrf_exempt
@private_page  # never cached: the answer is the same, but no shared cache should keep it
def api_not_found(request: HttpRequest) -> HttpResponse:
    """The last route under ``/api/``: any path no API view matched, an id
    that does not fit its pattern included, is a JSON 404 — also with
    ``DEBUG`` on, where Django's own 404 handler would show a page.

    Because this route matches everything, Django's ``APPEND_SLASH`` no longer
    sees unmatched paths; a read of a known path without its final slash is
    redirected here as it would have been there.
    """
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(path + "/")
        except Resolver404:  # pragma: no cover - this route matches everything
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return error_response(404)
