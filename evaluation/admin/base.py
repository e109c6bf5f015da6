"""Building blocks of the evaluation admin."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicideas.tenancy.admin_mixins import CityObjectAdmin
from evaluation import rules


class EvaluationAdmin(CityObjectAdmin):
    """Base of every evaluation admin: 404 for "missing" and "not this
    city's" alike (``CityObjectAdmin``), and the platform host (all cities)
    shows the lists read-only, since the services act in one city."""

    def is_city_admin(self, request: HttpRequest) -> bool:
        return rules.can_manage_evaluation(request.user)


CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a text cell starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``
    (OWASP CSV injection). Numbers are written as numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(CSV_DANGEROUS):
        return "'" + text
    return text
