"""Find the city from the Host header and run the whole request inside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from civicideas.api.errors import error_response, is_api_path
from civicideas.ops.replicas import REPLICA, pin_after_write, reads_from_replica, wants_replica
from civicideas.tenancy.context import city_context
from civicideas.tenancy.hosts import normalise_host, resolve_hostname
from civicideas.tenancy.languages import choose_language
from civicideas.tenancy.requests import CityRequest


class CityMiddleware:
    """Resolve ``request.city`` and enter ``city_context`` for the request.

    An unknown host gets a 404 page (never a default city). The platform host
    runs with no city: tenant tables stay closed there, except in the platform
    admin, which opts in with ``all_cities_context``.

    Everything after this middleware, response rendering included, runs in
    one transaction so the row-level security setting holds for every query.
    Streaming responses must enter ``city_context`` again in their generator.
    ``city_context`` also activates the city's time zone, so every page and
    the admin show local times, and leaving it restores the site's zone for
    the next request this thread serves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = resolve_hostname(normalise_host(request))
        city_request = cast("CityRequest", request)  # it becomes one here
        city_request.city = match.city
        city_request.is_platform = match.is_platform
        if match.city is None:
            if match.is_platform:
                return self.get_response(request)
            return unknown_host(request)
        if wants_replica(request):
            # An anonymous read: served by the replica (civicideas.ops.replicas).
            with city_context(match.city, using=REPLICA), reads_from_replica():
                return self.respond(request)
        with city_context(match.city):
            response = self.respond(request)
        pin_after_write(request, response)
        return response

    def respond(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, TemplateResponse) and not response.is_rendered:
            response.render()
        return response


def unknown_host(request: HttpRequest) -> HttpResponse:
    # Runs before CityLanguageMiddleware: pick the visitor's language here,
    # among all the platform's languages (no city to narrow them).
    if is_api_path(request):
        # An API client gets the API's JSON error, not the page.
        with translation.override(choose_language(request, None)):
            return error_response(404, "unknown_host", _("No city is served at this address."))
    _domain, port = split_domain_port(request.get_host())
    platform_url = f"{request.scheme}://{settings.PLATFORM_HOST}{':' + port if port else ''}/"
    response = TemplateResponse(
        request,
        "errors/unknown_host.html",
        {
            "hostname": normalise_host(request),
            "platform_host": settings.PLATFORM_HOST,
            "platform_url": platform_url,
        },
        status=404,
    )
    with translation.override(choose_language(request, None)):
        return response.render()


class CityLanguageMiddleware:
    """Activate a language the city offers (see ``tenancy.languages``).

    The visitor's choice (language cookie, then Accept-Language) wins when the
    city offers it; otherwise the city's default language is used. The
    language is deactivated after the response so the next request served by
    this thread starts from ``LANGUAGE_CODE``, not from this visitor's choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = choose_language(request, getattr(request, "city", None))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
