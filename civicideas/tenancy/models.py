"""Cities (the tenants), their host names, and people's roles in them."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.concurrency import Versioned
from civicideas.content.translations import Translatable
from civicideas.tenancy.roles import Role

_colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #1d4e89.")
)


def _default_languages() -> list[str]:
    return [settings.LANGUAGE_CODE]


class CityQuerySet(models.QuerySet):
    def active(self) -> CityQuerySet:
        return self.filter(is_active=True)

    def with_primary_hostname(self) -> CityQuerySet:
        """Annotate ``primary_hostname`` (Domain rows are readable by all)."""
        primary = Domain.objects.with_scopes_disabled().filter(
            city=models.OuterRef("pk"), is_primary=True
        )
        return self.annotate(primary_hostname=models.Subquery(primary.values("hostname")[:1]))


class City(Translatable, Versioned):
    """A tenant. Not itself tenant-scoped: the platform lists cities.

    ``home_intro`` and ``privacy_notice`` are written in the default language,
    other languages in ``translations`` (``civicideas.content.translations``).
    """

    translatable_fields = ("home_intro", "privacy_notice")

    slug = models.SlugField(_("slug"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. BE"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    languages = ArrayField(
        models.CharField(max_length=8, choices=settings.LANGUAGES),
        verbose_name=_("languages"),
        default=_default_languages,
        help_text=_("Languages the city's pages are offered in."),
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Brussels")
    colour = models.CharField(
        _("brand colour"), max_length=7, default="#1d4e89", validators=[_colour_validator]
    )
    logo = models.ImageField(_("logo"), upload_to="city-logos/", blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    # Bounding box for idea locations (WGS 84); empty means "anywhere".
    min_latitude = models.DecimalField(
        _("southern edge"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    max_latitude = models.DecimalField(
        _("northern edge"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    min_longitude = models.DecimalField(
        _("western edge"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    max_longitude = models.DecimalField(
        _("eastern edge"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # The city's own map tiles (civicideas.tenancy.map_tiles, docs/maps.md);
    # empty: the platform's default (MAP_TILE_URL).
    map_tile_url = models.CharField(
        _("map tile address"),
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "The address of the tile server the city's maps load, with {z}, {x} and {y}, "
            "for example https://tile.openstreetmap.org/{z}/{x}/{y}.png. Leave empty for "
            "the platform's default map."
        ),
    )
    map_tile_attribution = models.CharField(
        _("map attribution"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Plain text shown on every map, as the tile provider's licence asks, for "
            "example © OpenStreetMap contributors."
        ),
    )
    map_tile_attribution_url = models.URLField(
        _("map attribution link"),
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text=_("Optional: the page of the tiles' licence the attribution links to."),
    )
    home_intro = models.TextField(
        _("home page introduction"),
        blank=True,
        db_default="",
        max_length=2000,
        help_text=_("A few sentences shown at the top of the city's home page."),
    )
    privacy_notice = models.TextField(
        _("privacy notice"),
        blank=True,
        db_default="",
        max_length=20000,
        help_text=_("Markdown. Leave empty to show the platform's default notice."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    statistics_public = models.BooleanField(
        _("statistics are public"),
        default=True,
        db_default=True,
        help_text=_(
            "Show the city's statistics page to everyone and compare it with other "
            "cities on the platform. When off, only the city's staff see it."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The privacy notice (``privacy_notice`` above, docs/privacy.md "Consent"):
    # empty text shows the platform's default notice. The version is what
    # people accept; raising it
    # (``accounts.privacy.privacy_notice_publish``) asks everyone signed in to
    # accept again. Version 1 is the baseline every account is taken to have.
    privacy_version = models.PositiveIntegerField(
        _("privacy notice version"), default=1, db_default=1
    )
    privacy_updated_at = models.DateTimeField(
        _("privacy notice date"), null=True, blank=True, editable=False
    )
    notification_retention_days = models.PositiveIntegerField(
        _("notification retention (days)"),
        default=365,
        db_default=365,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
        help_text=_("Notifications older than this are deleted (30 to 3650 days)."),
    )

    objects = CityQuerySet.as_manager()

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    languages__contains=models.Func(
                        models.F("default_language"),
                        template="ARRAY[%(expressions)s]::varchar(8)[]",
                        output_field=ArrayField(models.CharField(max_length=8)),
                    )
                ),
                name="city_default_language_offered",
                violation_error_message=_("The default language must be one of the languages."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zoneinfo(self) -> ZoneInfo:
        """The city's time zone for dates people read (a reminder's due
        date); the site's when the stored name is not a known zone."""
        for name in (self.time_zone, settings.TIME_ZONE):
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError, TypeError):
                continue
        return ZoneInfo("UTC")

    def contains_point(self, latitude: float | Decimal, longitude: float | Decimal) -> bool:
        """Whether a location lies inside the city's bounding box (if set)."""
        south, north = self.min_latitude, self.max_latitude
        west, east = self.min_longitude, self.max_longitude
        if south is None or north is None or west is None or east is None:
            return True
        return south <= latitude <= north and west <= longitude <= east


class TenantModel(models.Model):
    """Base of every tenant-owned model.

    The default manager is scoped to the current city and raises when none is
    current; the table gets a row-level security policy through
    ``civicideas.tenancy.rls.EnableCityRLS`` in its first migration.
    Subclasses that declare ``Meta`` must inherit ``TenantModel.Meta`` so the
    base manager (used for related lookups and saves) stays scoped too.
    """

    city = models.ForeignKey(City, on_delete=models.CASCADE, editable=False, verbose_name=_("city"))

    objects = ScopedManager(city="city")

    class Meta:
        abstract = True
        base_manager_name = "objects"


class CityLink(TenantModel):
    """Base of the through model of a many-to-many relation between two tenant
    models (a challenge's categories, a sponsor's districts, ...).

    Django's auto-created through tables have no ``city`` column, so they
    would escape both the scoped manager and row-level security. A link is a
    tenant row like any other, and the database keeps it honest
    (``civicideas.tenancy.rls.EnableCityLink`` in its migration):

    * its ``city_id`` is filled from the owner row by a trigger, so
      ``challenge.categories.set(...)``, admin forms and raw ``INSERT`` statements
      need no ``through_defaults`` (in a city's context and in the platform's);
    * two composite foreign keys, ``(city_id, owner_id)`` and
      ``(city_id, target_id)`` onto ``UNIQUE (city_id, id)`` of each end,
      refuse a link between rows of two cities, even from raw SQL.

    Subclasses name the owner and target fields in ``link_fields`` (the
    migration names them again in ``EnableCityLink``; a meta-test checks both
    agree with the database).
    """

    #: ``(owner field, target field)``; the owner's city becomes the link's.
    link_fields: tuple[str, str] = ("", "")

    class Meta(TenantModel.Meta):
        abstract = True

    def __str__(self) -> str:
        owner, target = self.link_fields
        return f"{getattr(self, owner)} — {getattr(self, target)}"


def city_id_key(model_name: str) -> models.UniqueConstraint:
    """``UNIQUE (city_id, id)``: what a ``CityLink``'s composite foreign keys
    reference. Declare it in the ``constraints`` of every model a link joins."""
    return models.UniqueConstraint(fields=["city", "id"], name=f"{model_name}_city_id_key")


class Domain(TenantModel):
    """A host name served by one city. Exactly one per city is primary: links
    in emails and redirects are always built from it."""

    hostname = models.CharField(
        _("host name"),
        max_length=253,
        unique=True,
        help_text=_("Lower case, without port, e.g. ideas.riverton.example"),
    )
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta(TenantModel.Meta):
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(
                fields=["city"],
                condition=models.Q(is_primary=True),
                name="domain_one_primary_per_city",
            ),
            models.CheckConstraint(
                condition=models.Q(hostname=Lower("hostname")),
                name="domain_hostname_lower_case",
            ),
        ]

    def __str__(self) -> str:
        return self.hostname


class Membership(TenantModel):
    """A person's roles in one city. Staff roles open that city's admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices),
        verbose_name=_("roles"),
        default=list,
        blank=True,
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["city", "user"], name="membership_unique_per_city")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.city_id}"
