"""Which languages a city offers, and which one a visitor gets.

A city offers its own subset of ``settings.LANGUAGES`` (``City.languages``)
and names a default. The visitor's explicit choice (the language cookie the
switcher sets) wins when the city offers it, then the first language of the
browser's Accept-Language list that the city offers, then the city default.
The platform host offers every language and defaults to ``LANGUAGE_CODE``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language_info, get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

if TYPE_CHECKING:
    from civicideas.tenancy.models import City


def offered_codes(city: City | None) -> list[str]:
    """Language codes the city's pages are offered in, in the city's order."""
    if city is None:
        return [code for code, _name in settings.LANGUAGES]
    return list(city.languages or [city.default_language])


def default_code(city: City | None) -> str:
    return settings.LANGUAGE_CODE if city is None else city.default_language


def offered_languages(city: City | None) -> list[dict]:
    """Codes and names (in their own language) for the language switcher."""
    return [get_language_info(code) | {"code": code} for code in offered_codes(city)]


def _supported(code: str) -> str | None:
    """``fr-BE`` → ``fr``; None for a language the platform does not have."""
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def choose_language(request: HttpRequest, city: City | None) -> str:
    """The language to serve ``request`` in on ``city``'s host."""
    offered = offered_codes(city)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    chosen = _supported(cookie) if cookie else None
    if chosen in offered:
        return chosen
    header = request.headers.get("Accept-Language", "")
    for accepted, _quality in parse_accept_lang_header(header):
        if accepted == "*":
            break
        code = _supported(accepted)
        if code in offered:
            return code
    default = default_code(city)
    return default if default in offered else offered[0]
