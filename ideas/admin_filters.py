"""Admin list filters over the ideas app's taxonomy that other apps' admins
use too (the evaluation admin's assignments list filters by challenge).
Outside ``ideas.admin``, which no other app may import."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.http import HttpRequest

from civicideas.tenancy import admin_row_names
from civicideas.web import fragment_cache
from ideas import cache_keys


class CachedChoicesFilter(admin.RelatedFieldListFilter):
    """Django's filter by a related object (challenge, category, district)
    with its choices read once per city and language, not on every page of
    the list (issue 17): they change when the admin saves or deletes one
    (``ChoicesChangedMixin`` bumps ``cache_keys.choices_scope``), or
    within the cache's TTL when something else does. Every admin of the
    city sees the same choices (the related model's city-scoped manager);
    the platform host (all cities) reads them as Django does."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        city = getattr(request, "city", None)
        if city is None or getattr(request, "is_platform", False):
            return super().field_choices(field, request, model_admin)
        # The list's filters of this kind are read together, when the first
        # one asks: two cache round trips per page, not one per filter.
        fetched = admin_row_names.filter_choices(request)
        key = (field.model._meta.label, field.name)
        if key not in fetched:
            fields = [field, *_choice_fields(request, model_admin)]
            wants = {}
            for each in fields:
                ordering = self.field_admin_ordering(each, request, model_admin)
                wants[(each.model._meta.label, each.name)] = fragment_cache.Scoped(
                    "admin-filter-choices",
                    [cache_keys.choices_scope(city.pk)],
                    [city.pk, each.model._meta.label, each.name, tuple(ordering)],
                    partial(_choices, each, ordering),
                )
            found = fragment_cache.Batch().fetch(list(wants.values()))
            fetched.update(zip(wants, found, strict=True))
        return fetched[key]


def _choices(field: Any, ordering: Any) -> list[Any]:
    return list(field.get_choices(include_blank=False, ordering=ordering))


def _choice_fields(request: HttpRequest, model_admin: Any) -> list[Any]:
    """The fields of the list's ``CachedChoicesFilter`` filters."""
    fields = []
    for spec in model_admin.get_list_filter(request):
        if isinstance(spec, (list, tuple)) and spec[1] is CachedChoicesFilter:
            fields.append(get_fields_from_path(model_admin.model, spec[0])[-1])
    return fields
