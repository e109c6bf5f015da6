"""Sponsors, what they support and who acts for them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.tenancy.models import CityLink, TenantModel, city_id_key
from sponsors.models.common import NAME_MAX, QTY, TEXT_MAX, ResourceType


class SponsorQuerySet(models.QuerySet):
    def verified(self) -> SponsorQuerySet:
        return self.filter(verified_at__isnull=False)


class Sponsor(TenantModel):
    class Kind(models.TextChoices):
        BUSINESS = "business", _("Business")
        FOUNDATION = "foundation", _("Foundation")
        PUBLIC = "public", _("Public body")
        INDIVIDUAL = "individual", _("Individual")

    name = models.CharField(_("name"), max_length=NAME_MAX)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    logo = models.ImageField(_("logo"), upload_to="sponsors/%Y/%m/", blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"))
    categories = models.ManyToManyField(
        "ideas.Category",
        through="SponsorCategory",
        blank=True,
        related_name="+",
        verbose_name=_("categories"),
    )
    districts = models.ManyToManyField(
        "ideas.District",
        through="SponsorDistrict",
        blank=True,
        related_name="+",
        verbose_name=_("districts"),
    )
    city_wide = models.BooleanField(_("the whole city"), default=False)
    resource_types = ArrayField(
        models.CharField(max_length=12, choices=ResourceType.choices),
        default=list,
        blank=True,
        verbose_name=_("resources offered"),
    )
    budget_min = models.DecimalField(_("yearly budget from (EUR)"), null=True, blank=True, **QTY)
    budget_max = models.DecimalField(_("yearly budget up to (EUR)"), null=True, blank=True, **QTY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("verified by"),
    )
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(SponsorQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(website="")
                | Q(website__startswith="http://")
                | Q(website__startswith="https://"),
                name="sponsor_website_http",
            ),
            models.CheckConstraint(
                condition=Q(budget_min__isnull=True)
                | Q(budget_max__isnull=True)
                | Q(budget_max__gte=F("budget_min")),
                name="sponsor_budget_range",
            ),
            city_id_key("sponsor"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class SponsorCategory(CityLink):
    """A category a sponsor supports."""

    sponsor = models.ForeignKey(
        Sponsor, on_delete=models.CASCADE, related_name="+", verbose_name=_("sponsor")
    )
    category = models.ForeignKey(
        "ideas.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )

    link_fields = ("sponsor", "category")

    class Meta(CityLink.Meta):
        db_table = "sponsors_sponsor_categories"
        verbose_name = _("sponsor category")
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "category"], name="sponsor_category_once")
        ]


class SponsorDistrict(CityLink):
    """A district a sponsor supports."""

    sponsor = models.ForeignKey(
        Sponsor, on_delete=models.CASCADE, related_name="+", verbose_name=_("sponsor")
    )
    district = models.ForeignKey(
        "ideas.District", on_delete=models.CASCADE, related_name="+", verbose_name=_("district")
    )

    link_fields = ("sponsor", "district")

    class Meta(CityLink.Meta):
        db_table = "sponsors_sponsor_districts"
        verbose_name = _("sponsor district")
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "district"], name="sponsor_district_once")
        ]


class SponsorMembership(TenantModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    sponsor = models.ForeignKey(
        Sponsor, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("sponsor")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sponsor_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("sponsor member")
        verbose_name_plural = _("sponsor members")
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "user"], name="sponsor_member_once")
        ]
        indexes = [models.Index(fields=["user", "sponsor"], name="sponsormember_user_idx")]

    def __str__(self) -> str:
        return f"{self.sponsor} — {self.user} ({self.get_role_display()})"
