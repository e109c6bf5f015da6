"""A city's categories and districts, which challenges, ideas, follows and
sponsors are filed under."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.content.translations import Translatable, localized_text
from civicideas.tenancy.models import TenantModel, city_id_key


class Category(Translatable, TenantModel):
    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80)

    class Meta(TenantModel.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="category_slug_per_city"),
            city_id_key("category"),
        ]

    def __str__(self) -> str:
        # In the active language (filter choices, admin lists); ``name`` is
        # the city's default language.
        return str(localized_text(self, "name"))


class District(Translatable, TenantModel):
    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80)

    class Meta(TenantModel.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="district_slug_per_city"),
            city_id_key("district"),
        ]

    def __str__(self) -> str:
        # In the active language (filter choices, admin lists); ``name`` is
        # the city's default language.
        return str(localized_text(self, "name"))
