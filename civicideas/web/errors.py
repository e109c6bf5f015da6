"""The page a refused action shows, for the views of every app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from civicideas.errors import ServiceError

#: The template of ``error_response``: the service's message and a way back.
SERVICE_ERROR_TEMPLATE = "errors/service_error.html"


def error_response(request: HttpRequest, error: ServiceError, back: str = "") -> HttpResponse:
    """A page with ``error``'s message and its 4xx status.

    ``back`` links back to where the visitor came from; without one, the
    ``Referer`` is used when it is a URL of this host (never another site's,
    so the link cannot be turned into an open redirect). A rate limit's
    refusal is the 429 page with ``Retry-After`` (``civicideas.web.ratelimit``)."""
    from civicideas.web.ratelimit import RateLimited, rate_limited_response

    if isinstance(error, RateLimited):
        return rate_limited_response(request, error)
    if not back:
        referer = request.META.get("HTTP_REFERER", "")
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = referer
    return TemplateResponse(
        request,
        SERVICE_ERROR_TEMPLATE,
        {"error": error.message, "back": back},
        status=error.status_code,
    )
