"""City admins set up challenges, their categories and districts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civicideas.concurrency import VersionedAdmin
from civicideas.content.translation_forms import TranslatedAdminMixin
from civicideas.content.uploads import process_image
from civicideas.errors import InvalidInput
from ideas import cache_keys
from ideas.admin.base import IdeasAdmin, city_of
from ideas.admin.content.common import ChoicesChangedMixin
from ideas.follows import challenge_announce
from ideas.models import Category, Challenge, Department, District


class CitySlugForm(forms.ModelForm):
    """Slugs are unique per city. ``city`` is not a form field, so Django's
    own constraint validation skips ``UNIQUE(city, slug)`` and a clash
    would surface as an IntegrityError (a 500); check it here instead."""

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        others = self._meta.model.objects.filter(slug=slug)
        if self.instance.pk:
            others = others.filter(city_id=self.instance.city_id).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("This slug is already used in this city."))
        return slug


class ChallengeForm(CitySlugForm):
    # No Meta: the admin builds the form class per request (fields from the
    # fieldsets), when the scoped managers of the M2M choices have a city.

    # A plain file field: the upload pipeline checks the size before
    # anything decodes the file (forms.ImageField would open it first).
    image = forms.FileField(
        label=gettext_lazy("image"),
        required=False,
        help_text=gettext_lazy(
            "PNG, JPEG, WebP or GIF, at most 5 MB. Shown on the challenge's card and page."
        ),
    )

    def clean_image(self) -> Any:
        """A new upload is checked and re-encoded; the stored image, or
        False (clear), passes as it is."""
        value = self.cleaned_data.get("image")
        if not isinstance(value, UploadedFile):
            return value
        try:
            processed = process_image(value)
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None
        processed.content.name = processed.name
        return processed.content

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        dates = [
            ("ideas_open_from", "ideas_deadline"),
            ("ideas_deadline", "supports_deadline"),
            ("supports_deadline", "results_date"),
        ]
        for earlier, later in dates:
            start, end = cleaned.get(earlier), cleaned.get(later)
            if start and end and end < start:
                self.add_error(
                    later,
                    _("This date must come after “%(other)s”.")
                    % {"other": self.fields[earlier].label},
                )
        image = cleaned.get("image")
        if image and not (cleaned.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        # The choices are the current city's already (scoped managers); on
        # the platform host, where every city is visible, keep a challenge
        # to its own city's categories and districts.
        if self.instance.pk:
            for name in ("categories", "districts"):
                chosen = cleaned.get(name) or []
                if any(item.city_id != self.instance.city_id for item in chosen):
                    self.add_error(name, _("Choose among this city's own entries."))
        return cleaned


@admin.register(Category)
class CategoryAdmin(ChoicesChangedMixin, TranslatedAdminMixin, IdeasAdmin):
    form = CitySlugForm
    list_display = ["name", "slug", "department", "follower_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # How many people hear when a challenge in this category opens.
        return super().get_queryset(request).annotate(followers=Count("follows"))

    @admin.display(description=gettext_lazy("followers"), ordering="followers")
    def follower_count(self, obj: Category) -> int:
        return obj.followers


@admin.register(Department)
class DepartmentAdmin(TranslatedAdminMixin, IdeasAdmin):
    """The city's services: projects name the one responsible, categories
    the one that answers their ideas (the statistics per department)."""

    form = CitySlugForm
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(District)
class DistrictAdmin(ChoicesChangedMixin, TranslatedAdminMixin, IdeasAdmin):
    form = CitySlugForm
    list_display = ["name", "slug", "population"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Challenge)
class ChallengeAdmin(ChoicesChangedMixin, TranslatedAdminMixin, VersionedAdmin, IdeasAdmin):
    """Two city admins editing one challenge: the second save from a stale
    form is refused (``VersionedAdmin``)."""

    form = ChallengeForm
    list_display = [
        "title",
        "phase",
        "ideas_deadline",
        "supports_deadline",
        "premoderation",
        "supports_enabled",
    ]
    list_filter = ["phase", "premoderation", "supports_enabled"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    # Set once, when the followers were told it opened (ideas.follows).
    readonly_fields = ["announced_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "description", "image", "image_alt"]}),
        (
            gettext_lazy("Phase and dates"),
            {
                "fields": [
                    "phase",
                    "ideas_open_from",
                    "ideas_deadline",
                    "supports_deadline",
                    "results_date",
                    "announced_at",
                ]
            },
        ),
        (gettext_lazy("Categories and districts"), {"fields": ["categories", "districts"]}),
        (
            gettext_lazy("Participation rules"),
            {
                "fields": [
                    "premoderation",
                    "supports_enabled",
                    "max_ideas_per_person",
                    "report_hide_threshold",
                    "require_verified_email",
                ]
            },
        ),
    ]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: Any):
        # A city has a handful of categories and districts: checkboxes work
        # without JavaScript and with a screen reader.
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets, change: bool):
        """After the categories are saved (they decide who hears), announce a
        challenge that is now open for ideas, in the admin's transaction."""
        super().save_related(request, form, formsets, change)
        # The page, its shared content and cached lookup, and the home's open
        # challenges show the edit on the next view (not within the TTL).
        cache_keys.challenge_changed(form.instance, old_slug=form.initial.get("slug") or "")
        with city_of(form.instance):
            told = challenge_announce(challenge=form.instance)
        if told:
            self.message_user(
                request,
                ngettext(
                    "%(count)d follower will hear that this challenge is open.",
                    "%(count)d followers will hear that this challenge is open.",
                    told,
                )
                % {"count": told},
            )
