"""Groups' initiatives, what they need and how they are getting on."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.concurrency import Versioned
from civicideas.tenancy.models import CityLink, TenantModel, city_id_key
from sponsors.models.common import NAME_MAX, QTY, SUMMARY_MAX, TEXT_MAX, ResourceType, Unit
from sponsors.models.groups import CommunityGroup


class InitiativeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SEEKING = "seeking", _("Seeking support")
    PARTLY = "partly", _("Partly resourced")
    FULLY = "fully", _("Fully resourced")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses in which needs accept offers; the public sees every status but draft.
OPEN_STATUSES = (InitiativeStatus.SEEKING, InitiativeStatus.PARTLY, InitiativeStatus.FULLY)
PUBLIC_STATUSES = (*OPEN_STATUSES, InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED)


class InitiativeQuerySet(models.QuerySet):
    def public(self) -> InitiativeQuerySet:
        return self.filter(status__in=PUBLIC_STATUSES)


class Initiative(Versioned, TenantModel):
    group = models.ForeignKey(
        CommunityGroup,
        on_delete=models.PROTECT,
        related_name="initiatives",
        verbose_name=_("group"),
    )
    title = models.CharField(_("title"), max_length=NAME_MAX)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX, blank=True)
    description = models.TextField(_("description (Markdown)"), max_length=TEXT_MAX, blank=True)
    categories = models.ManyToManyField(
        "ideas.Category",
        through="InitiativeCategory",
        blank=True,
        related_name="+",
        verbose_name=_("categories"),
    )
    district = models.ForeignKey(
        "ideas.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    image = models.ImageField(_("image"), upload_to="initiatives/%Y/%m/", blank=True)
    image_alt = models.CharField(_("description of the image"), max_length=200, blank=True)
    source_idea = models.ForeignKey(
        "ideas.Idea",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiatives",
        verbose_name=_("idea it came from"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InitiativeStatus.choices,
        default=InitiativeStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    # Denormalised from the needs by ``services._initiative_refresh`` (one SQL
    # statement under the initiative's lock) so lists sort and filter without
    # aggregating 60,000 needs per page.
    open_need_count = models.PositiveIntegerField(_("open needs"), default=0, editable=False)
    open_need_types = ArrayField(
        models.CharField(max_length=12),
        default=list,
        blank=True,
        editable=False,
        verbose_name=_("types of open needs"),
    )
    next_deadline = models.DateField(_("next deadline"), null=True, blank=True, editable=False)
    funding_remaining = models.DecimalField(
        _("funding still needed (EUR)"), default=Decimal(0), editable=False, **QTY
    )
    #: How far the needs are met, 0-100: the mean of each need's fulfilled
    #: share (units differ, so quantities are not added up); a need closed
    #: before it was met no longer counts.
    progress_percent = models.PositiveSmallIntegerField(_("progress"), default=0, editable=False)
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(InitiativeQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="initiative_ends_after_start",
            ),
            # An idea becomes at most one initiative (services check it first
            # under the idea's row lock, with a clear message).
            models.UniqueConstraint(fields=["source_idea"], name="initiative_one_per_idea"),
            city_id_key("initiative"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="initiative_newest_idx"),
            models.Index(fields=["status", "next_deadline"], name="initiative_closing_idx"),
            models.Index(fields=["status", "-funding_remaining"], name="initiative_needed_idx"),
            GinIndex(fields=["search_vector"], name="initiative_search_idx"),
            GinIndex(fields=["open_need_types"], name="initiative_needtypes_idx"),
            # The public list's sorts, each exactly as ``selectors.initiative_list``
            # orders (nulls and the id tie-breaker included), so a page stops
            # after its rows instead of sorting every public initiative (issue 17).
            models.Index(
                F("city"),
                F("published_at").desc(nulls_last=True),
                F("id").desc(),
                name="initiative_public_newest_idx",
                condition=Q(status__in=PUBLIC_STATUSES),
            ),
            models.Index(
                F("city"),
                F("next_deadline").asc(nulls_last=True),
                F("id").desc(),
                name="initiative_public_closing_idx",
                condition=Q(status__in=PUBLIC_STATUSES),
            ),
            models.Index(
                F("city"),
                F("open_need_count").desc(),
                F("funding_remaining").desc(),
                F("id").desc(),
                name="initiative_public_needed_idx",
                condition=Q(status__in=PUBLIC_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def accepts_offers(self) -> bool:
        return self.status in OPEN_STATUSES


class Need(Versioned, TenantModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="needs", verbose_name=_("initiative")
    )
    kind = models.CharField(_("type"), max_length=12, choices=ResourceType.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    fulfilled = models.DecimalField(_("fulfilled"), default=Decimal(0), editable=False, **QTY)
    description = models.CharField(_("description"), max_length=SUMMARY_MAX, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="need_quantity_positive"),
            models.CheckConstraint(
                condition=Q(fulfilled__gte=0) & Q(fulfilled__lte=F("quantity")),
                name="need_fulfilled_within_quantity",
            ),
        ]
        indexes = [models.Index(fields=["initiative", "kind"], name="need_initiative_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.quantity} {self.get_unit_display()}"

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.fulfilled

    @property
    def percent(self) -> int:
        return int(self.fulfilled * 100 / self.quantity) if self.quantity else 0

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.fulfilled < self.quantity


class ProgressUpdate(TenantModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="updates", verbose_name=_("initiative")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    image = models.ImageField(_("image"), upload_to="initiatives/%Y/%m/", blank=True)
    image_alt = models.CharField(_("description of the image"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.initiative}: {self.text[:60]}"


class InitiativeCategory(CityLink):
    """A category an initiative is about (matched against sponsors')."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="+", verbose_name=_("initiative")
    )
    category = models.ForeignKey(
        "ideas.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )

    link_fields = ("initiative", "category")

    class Meta(CityLink.Meta):
        db_table = "sponsors_initiative_categories"
        verbose_name = _("initiative category")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "category"], name="initiative_category_once"
            )
        ]
