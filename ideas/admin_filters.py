"""Admin list filters over the ideas app's taxonomy that other apps' admins
use too (the evaluation admin's assignments list filters by challenge).
Outside ``ideas.admin``, which no other app may import."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
        ordering = self.field_admin_ordering(field, request, model_admin)
        # One batch per request: the scope's generation is read once for
        # the list's three filters.
        batch = getattr(request, "_admin_choices_batch", None)
        if batch is None:
            batch = fragment_cache.Batch()
            setattr(request, "_admin_choices_batch", batch)  # noqa: B010 - a private attribute
        (choices,) = batch.fetch(
            [
                fragment_cache.Scoped(
                    "admin-filter-choices",
                    [cache_keys.choices_scope(city.pk)],
                    [city.pk, field.model._meta.label, field.name, tuple(ordering)],
                    lambda: list(field.get_choices(include_blank=False, ordering=ordering)),
                )
            ]
        )
        return choices
