from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.forms import BaseFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicideas.accounts.privacy import privacy_notice_changed
from civicideas.accounts.rules import signed_in
from civicideas.concurrency import VersionedAdmin
from civicideas.content.translation_forms import TranslatedAdminMixin
from civicideas.tenancy import services
from civicideas.tenancy.admin_mixins import CityScopedAdmin
from civicideas.tenancy.city_form import CityAdminForm
from civicideas.tenancy.context import city_context, current_city
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.map_tiles import allow_tiles
from civicideas.tenancy.models import City, Domain, Membership
from civicideas.tenancy.roles import Role
from civicideas.text import VisibleTextAdminMixin


class ForgetsHostsAdmin(VisibleTextAdminMixin, admin.ModelAdmin):
    """Admin of a model the host lookup depends on (City: active flag;
    Domain: host names). Every change clears this process's host cache once
    committed, so a renamed or removed host stops serving at once here (other
    processes follow within ``HOST_CACHE_SECONDS``)."""

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(forget_hosts)

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm,
        formsets: Sequence[BaseFormSet],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        transaction.on_commit(forget_hosts)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(forget_hosts)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(forget_hosts)


class DomainInline(VisibleTextAdminMixin, admin.TabularInline):
    model = Domain
    extra = 0
    fields = ["hostname", "is_primary"]


@admin.register(City)
class CityAdmin(TranslatedAdminMixin, VersionedAdmin, ForgetsHostsAdmin):
    """Platform superusers manage all cities; a city admin edits only their
    own city's settings on its own host. A save from a stale form (someone
    else saved the settings since) is refused (``VersionedAdmin``)."""

    list_display = ["name", "slug", "country", "is_active", "default_language"]
    list_filter = ["is_active", "country"]
    search_fields = ["name", "slug"]
    inlines = [DomainInline]
    form = CityAdminForm
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "country",
                    "population",
                    "contact_email",
                    "time_zone",
                    "is_active",
                ]
            },
        ),
        (_("Languages"), {"fields": ["languages", "default_language"]}),
        (_("Appearance"), {"fields": ["colour", "logo"]}),
        (
            _("Map area"),
            {
                "fields": [("min_latitude", "max_latitude"), ("min_longitude", "max_longitude")],
                "description": _(
                    "Ideas can only be placed inside this box (decimal degrees, WGS 84, as "
                    "on most online maps; south and west below north and east). Leave all "
                    "four empty to accept places anywhere."
                ),
            },
        ),
        (
            _("Map background"),
            {
                "fields": ["map_tile_url", "map_tile_attribution", "map_tile_attribution_url"],
                "description": _(
                    "The tiles the city's maps are drawn on. Leave the address empty for the "
                    "platform's default map. Check the tile provider's usage policy first."
                ),
            },
        ),
        (_("Home page and privacy"), {"fields": ["home_intro", "privacy_notice"]}),
        (_("Statistics"), {"fields": ["statistics_public"]}),
        (
            _("Privacy notice version"),
            {"fields": ["ask_privacy_again", "privacy_version", "privacy_updated_at"]},
        ),
        (_("Retention"), {"fields": ["notification_retention_days"]}),
    ]

    class Media:
        # The map area picker (city_form.CityAdminForm._bounds_picker): Leaflet
        # and our script, same-origin files without nonces (the CSP).
        css = {"all": ["vendor/leaflet/leaflet.css", "civicideas/city_bounds.css"]}
        js = ["civicideas/city_colour.js", "vendor/leaflet/leaflet.js", "civicideas/city_bounds.js"]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: City | None = None,
    ) -> Any:
        """The form's map loads the edited city's tiles: its CSP allows them."""
        response = super().render_change_form(request, context, add, change, form_url, obj)
        return allow_tiles(response, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        privacy_notice_changed(
            city=obj,
            text_changed="privacy_notice" in form.changed_data,
            ask_again=bool(form.cleaned_data.get("ask_privacy_again")) and change,
        )
        super().save_model(request, obj, form, change)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[City]:
        qs = super().get_queryset(request)
        city = getattr(request, "city", None)
        return qs.filter(pk=city.pk) if city is not None else qs

    def get_readonly_fields(self, request: HttpRequest, obj: City | None = None) -> list[str]:
        if getattr(request, "is_platform", False):
            return ["privacy_version", "privacy_updated_at"]
        return ["slug", "is_active", "privacy_version", "privacy_updated_at"]

    def get_inlines(self, request: HttpRequest, obj: City | None = None) -> list[Any]:
        return self.inlines if getattr(request, "is_platform", False) else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return getattr(request, "is_platform", False) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: City | None = None) -> bool:
        return getattr(request, "is_platform", False) and super().has_delete_permission(
            request, obj
        )


@admin.register(Domain)
class DomainAdmin(CityScopedAdmin, ForgetsHostsAdmin):
    list_display = ["hostname", "is_primary"]
    search_fields = ["hostname"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Host names are claimed by platform superusers only, in the City
        # form's domain inline on the platform host (a city admin must not be
        # able to take a host name another city is about to use).
        return False


class MembershipForm(forms.ModelForm):
    """Adds people by email: a city admin never browses the global user list."""

    email = forms.EmailField(label=_("Email address"))

    class Meta:
        model = Membership
        fields = ["roles"]
        widgets = {"roles": forms.CheckboxSelectMultiple(choices=Role.choices)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"] = forms.MultipleChoiceField(
            label=_("Roles"),
            choices=Role.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            initial=self.instance.roles if self.instance.pk else [Role.CITIZEN],
        )
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
            self.fields["email"].disabled = True

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if self.instance.pk:
            return self.instance.user.email
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                _("No account uses this address. Ask the person to sign up first.")
            )
        if Membership.objects.filter(user=user).exists():
            raise forms.ValidationError(_("This person is already a member of this city."))
        self.instance.user = user
        return email


@admin.register(Membership)
class MembershipAdmin(CityScopedAdmin):
    form = MembershipForm
    list_display = ["user", "roles", "created_at"]
    search_fields = ["user__email"]
    ordering = ["-created_at"]

    def save_model(
        self, request: HttpRequest, obj: Membership, form: forms.ModelForm, change: bool
    ) -> None:
        by = request.user
        if not signed_in(by):  # the admin site lets only signed-in staff this far
            raise PermissionDenied
        # On the platform host no city is current: the service runs in the
        # membership's own city, as it would on that city's host.
        city = obj.city if change else current_city()
        with city_context(city):
            services.membership_set_roles(
                user=obj.user, roles=form.cleaned_data["roles"], changed_by=by
            )
