"""What the content admins share: moderation actions in the action bar,
the open-reports filter and people shown as plain text."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import get_fields_from_path
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.tenancy import admin_rows
from civicideas.tenancy.admin_mixins import MAX_BULK
from civicideas.tenancy.admin_rows import shown_from
from civicideas.web import fragment_cache
from ideas import cache_keys
from ideas.admin.base import action_reason, apply_moderation
from ideas.models import Idea, ModerationAction, Report, StatusChange

BOTH = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


def moderation_action(action: str, description: Promise, description_plural: Promise) -> Any:
    """An admin action (change list and change form) that runs one
    moderation action on each selected idea or comment through its service,
    with the reason typed in the action bar, at most ``MAX_BULK`` at once."""

    @admin.action(
        permissions=["moderate"],
        description=description,
        description_plural=description_plural,
        location=BOTH,
    )
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        apply_moderation(
            request,
            queryset.order_by("pk")[: MAX_BULK + 1],
            action=action,
            reason=action_reason(request),
        )

    return run


class ReportedFilter(admin.SimpleListFilter):
    """Content with open reports (read from the reports themselves, not the
    counter, so the filter and the moderation queue always agree)."""

    title = gettext_lazy("open reports")
    parameter_name = "reported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Reported")), ("no", _("Not reported"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value not in ("yes", "no"):
            return queryset  # every page of the list comes through here
        target = "idea" if queryset.model is Idea else "comment"
        open_reports = Exists(
            Report.objects.filter(state=Report.State.OPEN, **{target: OuterRef("pk")})
        )
        if value == "yes":
            return queryset.filter(open_reports)
        return queryset.exclude(open_reports)


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
        fetched = admin_rows.filter_choices(request)
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


class ChoicesChangedMixin:
    """Saving or deleting one of these objects in the admin refreshes the
    lists' filter choices (``CachedChoicesFilter``)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        cache_keys.choices_changed(obj.city_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        cache_keys.choices_changed(obj.city_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        cities = set(queryset.values_list("city_id", flat=True))
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        for city_id in cities:
            cache_keys.choices_changed(city_id)


class PeopleColumns:
    """People as plain text. A read-only foreign key would link to the
    user's admin page, which only platform superusers may open."""

    @shown_from("author_id", "author.email")
    @admin.display(description=gettext_lazy("author"))
    def author_email(self, obj: Any) -> str:
        # An idea entered for someone without an account has no author.
        return obj.author.email if obj.author_id else "-"

    @shown_from("changed_by.email")
    @admin.display(description=gettext_lazy("changed by"))
    def changed_by_email(self, obj: StatusChange) -> str:
        return obj.changed_by.email

    @shown_from("moderator_id", "moderator.email")
    @admin.display(description=gettext_lazy("moderator"))
    def moderator_or_auto(self, obj: ModerationAction) -> str:
        return obj.moderator.email if obj.moderator_id else _("automatic")

    @shown_from("reporter.email")
    @admin.display(description=gettext_lazy("reported by"))
    def reporter_email(self, obj: Any) -> str:
        return obj.reporter.email
