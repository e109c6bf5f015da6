"""The events back office: moderators and city admins create and edit the
city's events, cancel them (with the registrants told), see who registered
and who waits, and mark attendance. Every change to who holds a place goes
through ``events.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.concurrency import VersionedAdmin
from civicideas.content.translation_forms import TranslatedAdminMixin
from civicideas.tenancy.admin_mixins import CityObjectAdmin, ReadOnlyAdminMixin, run_bulk
from events import services
from events.models import Event, Registration


class EventForm(forms.ModelForm):
    """The admin builds the model form on it per request (no ``Meta``: the
    challenge choices are the current city's, read at request time)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", _("Give both the latitude and the longitude, or neither."))
        return cleaned


class RegistrationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Registration
    fields = ["user", "status", "created_at", "promoted_at", "cancelled_at", "attended"]
    readonly_fields = fields
    ordering = ["status", "created_at", "pk"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("user")


@admin.register(Event)
class EventAdmin(TranslatedAdminMixin, VersionedAdmin, CityObjectAdmin):
    form = EventForm
    list_display = [
        "title",
        "kind",
        "starts_at",
        "place_name",
        "status",
        "registered",
        "waitlisted",
    ]
    list_filter = ["kind", "status", "challenge"]
    search_fields = ["title", "place_name"]
    date_hierarchy = "starts_at"
    readonly_fields = ["status", "cancelled_at", "cancelled_by", "cancel_reason", "created_at"]
    fieldsets = [
        (None, {"fields": ["title", "description", "kind", "challenge"]}),
        (
            gettext_lazy("When and where"),
            {
                "fields": [
                    "starts_at",
                    "ends_at",
                    "place_name",
                    "address",
                    "latitude",
                    "longitude",
                    "online_url",
                ]
            },
        ),
        (
            gettext_lazy("Accessibility"),
            {"fields": ["step_free", "hearing_loop", "language_support", "accessibility_notes"]},
        ),
        (gettext_lazy("Places"), {"fields": ["capacity"]}),
        (gettext_lazy("Status"), {"fields": readonly_fields}),
    ]
    inlines = [RegistrationInline]
    actions = ["cancel_events"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("challenge").with_counts()

    @admin.display(description=gettext_lazy("registered"), ordering="registered")
    def registered(self, obj: Event) -> int:
        return obj.registered

    @admin.display(description=gettext_lazy("waiting"), ordering="waitlisted")
    def waitlisted(self, obj: Event) -> int:
        return obj.waitlisted

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Cancel instead: registrants are told, the record stays.
        return False

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        old_slug = ()
        if change and "challenge" in form.changed_data and form.initial.get("challenge"):
            from ideas.models import Challenge

            old = Challenge.objects.filter(pk=form.initial["challenge"]).first()
            old_slug = (old.slug,) if old else ()
        super().save_model(request, obj, form, change)
        services.events_changed(obj, challenge_slugs=old_slug)
        if change and "capacity" in form.changed_data:
            promoted = services.event_fill_places(event=obj)
            if promoted:
                messages.info(
                    request,
                    _("%(n)d people moved up from the waiting list.") % {"n": len(promoted)},
                )

    @admin.action(description=gettext_lazy("Cancel the selected events (registrants are told)"))
    def cancel_events(self, request: HttpRequest, queryset: Any) -> None:
        run_bulk(
            request,
            queryset,
            lambda e: services.event_cancel(event=e, by=request.user),
            _("%(n)d events cancelled."),
        )


@admin.register(Registration)
class RegistrationAdmin(CityObjectAdmin):
    """Who registered, in the order of the queue; attendance is marked here."""

    list_display = ["user", "event", "status", "created_at", "attended"]
    list_filter = ["status", "attended", "event"]
    list_select_related = ["user", "event"]
    search_fields = ["user__email", "event__title"]
    ordering = ["event", "status", "created_at", "pk"]
    actions = ["mark_present", "mark_absent"]
    fields = [
        "event",
        "user",
        "status",
        "created_at",
        "promoted_at",
        "cancelled_at",
        "reminded_at",
        "attended",
        "attendance_marked_at",
        "attendance_marked_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # citizens register (services.event_register)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _mark(self, request: HttpRequest, queryset: Any, attended: bool) -> None:
        run_bulk(
            request,
            queryset.select_related("event"),
            lambda r: services.attendance_mark(registration=r, attended=attended, by=request.user),
            _("%(n)d registrations marked present.")
            if attended
            else _("%(n)d registrations marked absent."),
        )

    @admin.action(description=gettext_lazy("Mark as present"), permissions=["change"])
    def mark_present(self, request: HttpRequest, queryset: Any) -> None:
        self._mark(request, queryset, True)

    @admin.action(description=gettext_lazy("Mark as absent"), permissions=["change"])
    def mark_absent(self, request: HttpRequest, queryset: Any) -> None:
        self._mark(request, queryset, False)
