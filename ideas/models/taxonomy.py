"""A city's categories and districts, which challenges, ideas, follows and
sponsors are filed under."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.content.translations import Translatable, localized_text
from civicideas.tenancy.models import TenantModel, city_id_key


class Department(Translatable, TenantModel):
    """A service of the city administration (parks, mobility, ...). Projects
    name the department responsible; categories say which department answers
    their ideas, so the statistics can show how quickly each one answers."""

    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80)

    class Meta(TenantModel.Meta):
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="department_slug_per_city"),
            city_id_key("department"),
        ]

    def __str__(self) -> str:
        return str(localized_text(self, "name"))


class Category(Translatable, TenantModel):
    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("department"),
        help_text=_("The department that answers ideas of this category."),
    )

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
    population = models.PositiveIntegerField(
        _("inhabitants"),
        null=True,
        blank=True,
        help_text=_("Optional: lets the statistics show participation per 1,000 inhabitants."),
    )

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
