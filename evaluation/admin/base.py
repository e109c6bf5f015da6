"""Building blocks of the evaluation admin."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from civicideas.tenancy.admin_mixins import CityScopedAdmin
from evaluation import rules


class EvaluationAdmin(CityScopedAdmin):
    """Base of every evaluation admin: 404 for "missing" and "not this
    city's" alike (the scoped manager cannot see other cities' rows), and
    the platform host (all cities) shows the lists read-only, since the
    services act in one city."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def is_city_admin(self, request: HttpRequest) -> bool:
        return rules.can_manage_evaluation(request.user)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
