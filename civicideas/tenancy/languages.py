"""Languages a city offers, with their names for the language switcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import get_language_info

if TYPE_CHECKING:
    from civicideas.tenancy.models import City


def offered_languages(city: City | None) -> list[dict]:
    codes = city.languages if city is not None else [code for code, _ in settings.LANGUAGES]
    return [get_language_info(code) | {"code": code} for code in codes]
