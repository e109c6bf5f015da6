"""Admin building blocks every tenant model's admin uses."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.checks import ModelAdminChecks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest

from civicideas.tenancy.context import current_city
from civicideas.tenancy.models import CityLink
from civicideas.text import VisibleTextAdminMixin


def _is_city_link(db_field: models.Field) -> bool:
    through = getattr(db_field.remote_field, "through", None)
    return isinstance(through, type) and issubclass(through, CityLink)


class CityLinkAdminChecks(ModelAdminChecks):
    """Django's admin refuses many-to-many fields with an explicit through
    model (admin.E013), because such a model usually has columns a form
    cannot fill. A ``CityLink`` has none: the database fills its city."""

    def _check_field_spec_item(self, obj, field_name, label):
        try:
            field = obj.model._meta.get_field(field_name)
        except FieldDoesNotExist:
            return super()._check_field_spec_item(obj, field_name, label)
        if isinstance(field, models.ManyToManyField) and _is_city_link(field):
            return []
        return super()._check_field_spec_item(obj, field_name, label)


class CityScopedAdmin(VisibleTextAdminMixin, admin.ModelAdmin):
    """Admin for a tenant model.

    The queryset needs no extra filter: the model's default manager is scoped
    to the current city, so lists, change views, filters and autocompletes
    never see another city. New objects get the current city; the ``city``
    field itself is never editable. On the platform host (all cities) the
    city is shown as a column and filter instead. Many-to-many fields through
    a ``CityLink`` are edited like ordinary ones.
    """

    checks_class = CityLinkAdminChecks

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if not _is_city_link(db_field):
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        # Django's admin returns None for any explicit through model (see
        # CityLinkAdminChecks); build the field as it would for an
        # auto-created one. The queryset is the target's scoped manager.
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return db_field.formfield(**kwargs)

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
