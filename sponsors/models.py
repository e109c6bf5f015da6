"""Community groups, their initiatives and needs, sponsors, offers, the city's
match fund and the precomputed sponsor ↔ initiative matches.

Rules live in ``sponsors.services``; the constraints here are the last line
of defence that holds even under concurrent writes or raw SQL (a need is
never fulfilled beyond its quantity, a fund never commits beyond its budget).
"""

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

NAME_MAX = 150
SUMMARY_MAX = 300
TEXT_MAX = 10_000
#: Largest quantity anyone may ask for or offer (1e9 EUR, hours, m², ...).
QUANTITY_MAX = Decimal("1000000000")
QTY = {"max_digits": 14, "decimal_places": 2}


class ResourceType(models.TextChoices):
    """What a need asks for and what a sponsor offers."""

    FUNDING = "funding", _("Funding")
    SPACE = "space", _("Space")
    EXPERTISE = "expertise", _("Expertise")
    MATERIALS = "materials", _("Materials")
    VOLUNTEERS = "volunteers", _("Volunteers")
    OTHER = "other", _("Other")


class Unit(models.TextChoices):
    EUR = "eur", _("EUR")
    HOURS = "hours", _("hours")
    SQM = "m2", _("m²")
    PEOPLE = "people", _("people")
    ITEMS = "items", _("items")


# --- community groups ----------------------------------------------------------


class CommunityGroupQuerySet(models.QuerySet):
    def approved(self) -> CommunityGroupQuerySet:
        return self.filter(approved_at__isnull=False)


class CommunityGroup(TenantModel):
    """A citizens' group. Listed publicly once the city approves it."""

    name = models.CharField(_("name"), max_length=NAME_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    contact_email = models.EmailField(_("contact email"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(CommunityGroupQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("community group")
        verbose_name_plural = _("community groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class GroupMembership(TenantModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_member_once")]
        indexes = [models.Index(fields=["user", "group"], name="groupmember_user_idx")]


class IdeaGroup(TenantModel):
    """An idea submitted on behalf of a group (kept here so ``ideas`` need
    not know about groups)."""

    idea = models.OneToOneField("ideas.Idea", on_delete=models.CASCADE, related_name="on_behalf")
    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="ideas")

    class Meta(TenantModel.Meta):
        verbose_name = _("idea of a group")
        verbose_name_plural = _("ideas of groups")


# --- initiatives and needs -------------------------------------------------------


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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    # Denormalised from the needs by ``services._initiative_refresh`` (one SQL
    # statement under the initiative's lock) so lists sort and filter without
    # aggregating 60,000 needs per page.
    open_need_count = models.PositiveIntegerField(default=0, editable=False)
    open_need_types = ArrayField(
        models.CharField(max_length=12), default=list, blank=True, editable=False
    )
    next_deadline = models.DateField(null=True, blank=True, editable=False)
    funding_remaining = models.DecimalField(default=Decimal(0), editable=False, **QTY)
    search_vector = SearchVectorField(null=True, editable=False)

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
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("type"), max_length=12, choices=ResourceType.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    fulfilled = models.DecimalField(_("fulfilled"), default=Decimal(0), editable=False, **QTY)
    description = models.CharField(_("description"), max_length=SUMMARY_MAX, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

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
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    image = models.ImageField(_("image"), upload_to="initiatives/%Y/%m/", blank=True)
    image_alt = models.CharField(_("description of the image"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-pk"]


# --- sponsors ------------------------------------------------------------------------


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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
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
    )
    search_vector = SearchVectorField(null=True, editable=False)

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


class InitiativeCategory(CityLink):
    """A category an initiative is about (matched against sponsors')."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("ideas.Category", on_delete=models.CASCADE, related_name="+")

    link_fields = ("initiative", "category")

    class Meta(CityLink.Meta):
        db_table = "sponsors_initiative_categories"
        verbose_name = _("initiative category")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "category"], name="initiative_category_once"
            )
        ]


class SponsorCategory(CityLink):
    """A category a sponsor supports."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("ideas.Category", on_delete=models.CASCADE, related_name="+")

    link_fields = ("sponsor", "category")

    class Meta(CityLink.Meta):
        db_table = "sponsors_sponsor_categories"
        verbose_name = _("sponsor category")
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "category"], name="sponsor_category_once")
        ]


class SponsorDistrict(CityLink):
    """A district a sponsor supports."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("ideas.District", on_delete=models.CASCADE, related_name="+")

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

    sponsor = models.ForeignKey(Sponsor, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sponsor_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("sponsor member")
        verbose_name_plural = _("sponsor members")
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "user"], name="sponsor_member_once")
        ]
        indexes = [models.Index(fields=["user", "sponsor"], name="sponsormember_user_idx")]


class Offer(Versioned, TenantModel):
    class State(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Empty for a resident offering their own time on a volunteers need
    # (``made_by`` is then the volunteer; ``rules.PERSONAL_OFFER_KINDS``).
    sponsor = models.ForeignKey(
        Sponsor, on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="offers")
    # Denormalised from the need: the group's inbox lists offers by initiative.
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="offers")
    quantity = models.DecimalField(_("quantity"), **QTY)
    message = models.TextField(_("message"), max_length=2_000, blank=True)
    conditions = models.TextField(_("conditions"), max_length=2_000, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.OFFERED
    )
    accepted_quantity = models.DecimalField(
        _("accepted quantity"), default=Decimal(0), editable=False, **QTY
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity__lte=QUANTITY_MAX),
                name="offer_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(accepted_quantity__gte=0) & Q(accepted_quantity__lte=F("quantity")),
                name="offer_accepted_within_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["sponsor", "-created_at"], name="offer_sponsor_idx"),
            models.Index(fields=["initiative", "state"], name="offer_initiative_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor or self.made_by} → {self.need}"

    @property
    def is_personal(self) -> bool:
        """Offered by a resident in their own name, not by a sponsor."""
        return self.sponsor_id is None


class Introduction(TenantModel):
    """A city facilitator puts a sponsor and an initiative in touch."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.CASCADE, related_name="introductions")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="introductions"
    )
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(_("message"), max_length=2_000, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sponsor", "initiative"], name="introduction_once_per_pair"
            )
        ]


# --- the city's match fund ---------------------------------------------------------------


class MatchFund(TenantModel):
    """The city matches accepted funding offers ``ratio``:1, at most
    ``cap_per_initiative`` per initiative and ``total_budget`` in all.
    ``committed`` is the sum of its pledges, changed only under the fund's
    row lock; the CHECK keeps it within the budget whatever happens."""

    name = models.CharField(_("name"), max_length=NAME_MAX)
    ratio = models.DecimalField(
        _("ratio"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        help_text=_("EUR the city adds per EUR a sponsor gives (1 for 1:1)."),
    )
    cap_per_initiative = models.DecimalField(_("cap per initiative (EUR)"), **QTY)
    total_budget = models.DecimalField(_("total budget (EUR)"), **QTY)
    committed = models.DecimalField(_("committed (EUR)"), default=Decimal(0), editable=False, **QTY)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("match fund")
        verbose_name_plural = _("match funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("total_budget")),
                name="matchfund_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(ratio__gt=0) & Q(cap_per_initiative__gte=0) & Q(total_budget__gte=0),
                name="matchfund_positive",
            ),
            models.UniqueConstraint(
                fields=["city"], condition=Q(is_active=True), name="matchfund_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> Decimal:
        return self.total_budget - self.committed


class MatchPledge(TenantModel):
    fund = models.ForeignKey(MatchFund, on_delete=models.PROTECT, related_name="pledges")
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="match_pledge")
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="pledges")
    amount = models.DecimalField(_("amount (EUR)"), **QTY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("match pledge")
        verbose_name_plural = _("match pledges")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="matchpledge_positive")
        ]
        indexes = [models.Index(fields=["fund", "initiative"], name="matchpledge_fund_idx")]


# --- precomputed matches ---------------------------------------------------------------------


class SponsorMatch(TenantModel):
    """A sponsor's score for an initiative, written by ``sponsors.matching``
    only (set-based SQL). ``explanation`` holds the components, not text:
    the page words them in the reader's language."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.CASCADE, related_name="matches")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="matches")
    score = models.FloatField()
    explanation = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "initiative"], name="match_once_per_pair")
        ]
        indexes = [
            models.Index(fields=["sponsor", "-score"], name="match_sponsor_idx"),
            models.Index(fields=["initiative", "-score"], name="match_initiative_idx"),
        ]
