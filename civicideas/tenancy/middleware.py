"""Find the city from the Host header and run the whole request inside it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from civicideas.tenancy.context import city_context
from civicideas.tenancy.hosts import normalise_host, resolve_hostname


class CityMiddleware:
    """Resolve ``request.city`` and enter ``city_context`` for the request.

    An unknown host gets a 404 page (never a default city). The platform host
    runs with no city: tenant tables stay closed there, except in the platform
    admin, which opts in with ``all_cities_context``.

    Everything after this middleware, response rendering included, runs in
    one transaction so the row-level security setting holds for every query.
    Streaming responses must enter ``city_context`` again in their generator.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = resolve_hostname(normalise_host(request))
        request.city = match.city
        request.is_platform = match.is_platform
        if match.city is None:
            if match.is_platform:
                return self.get_response(request)
            return unknown_host(request)
        with city_context(match.city):
            response = self.get_response(request)
            if isinstance(response, TemplateResponse) and not response.is_rendered:
                response.render()
            return response


def unknown_host(request: HttpRequest) -> HttpResponse:
    response = TemplateResponse(
        request,
        "errors/unknown_host.html",
        {"hostname": normalise_host(request), "platform_host": settings.PLATFORM_HOST},
        status=404,
    )
    return response.render()


class CityLanguageMiddleware:
    """Activate a language the city offers.

    The visitor's choice (language cookie, then Accept-Language) wins when the
    city offers it; otherwise the city's default language is used.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        city = getattr(request, "city", None)
        wanted = translation.get_language_from_request(request)
        if city is not None:
            offered = city.languages or [city.default_language]
            language = wanted if wanted in offered else city.default_language
        else:
            language = wanted
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
