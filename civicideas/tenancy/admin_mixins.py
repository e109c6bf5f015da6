"""Admin building blocks every tenant model's admin uses."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from civicideas.tenancy.context import current_city
from civicideas.text import VisibleTextAdminMixin


class CityScopedAdmin(VisibleTextAdminMixin, admin.ModelAdmin):
    """Admin for a tenant model.

    The queryset needs no extra filter: the model's default manager is scoped
    to the current city, so lists, change views, filters and autocompletes
    never see another city. New objects get the current city; the ``city``
    field itself is never editable. On the platform host (all cities) the
    city is shown as a column and filter instead.
    """

    def get_list_display(self, request: HttpRequest):
        columns = list(super().get_list_display(request))
        if getattr(request, "is_platform", False):
            columns.append("city")
        return columns

    def get_list_filter(self, request: HttpRequest):
        filters = list(super().get_list_filter(request))
        if getattr(request, "is_platform", False):
            filters.append("city")
        return filters

    def has_add_permission(self, request: HttpRequest) -> bool:
        # On the platform host no city is current, so a new object would have
        # no city to belong to (the ``city`` field is not editable). Tenant
        # objects are created in their own city's admin.
        if getattr(request, "is_platform", False):
            return False
        return super().has_add_permission(request)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not change and obj.city_id is None:
            obj.city = current_city()
        super().save_model(request, obj, form, change)
