"""What the content admins share: moderation actions in the action bar,
the open-reports filter and people shown as plain text."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.tenancy.admin_mixins import MAX_BULK
from civicideas.tenancy.admin_row_keys import shown_from
from ideas import cache_keys
from ideas.admin.base import action_reason, apply_moderation
from ideas.admin_filters import CachedChoicesFilter  # noqa: F401 - the content admins' import
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
