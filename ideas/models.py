"""Challenges (calls for ideas), ideas and what citizens do with them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.concurrency import Versioned
from civicideas.tenancy.models import CityLink, TenantModel, city_id_key
from civicideas.tenancy.permissions import is_city_moderator
from ideas.status import PUBLIC_STATUS_LIST, PUBLIC_STATUSES, IdeaStatus

TITLE_MAX = 150
BODY_MAX = 5_000
COMMENT_MAX = 2_000


class Category(TenantModel):
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
        return self.name


class District(TenantModel):
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
        return self.name


class ChallengeQuerySet(models.QuerySet):
    def public(self) -> ChallengeQuerySet:
        return self.exclude(phase=Challenge.Phase.DRAFT)


class Challenge(Versioned, TenantModel):
    """A call for ideas. Its phase decides what citizens may do."""

    class Phase(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IDEAS = "ideas", _("Open for ideas")
        SUPPORTS = "supports", _("Open for supports")
        EVALUATION = "evaluation", _("Evaluation")
        RESULTS = "results", _("Results")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=80)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description (Markdown)"), blank=True)
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, default=Phase.DRAFT)
    ideas_open_from = models.DateTimeField(_("ideas open from"), null=True, blank=True)
    ideas_deadline = models.DateTimeField(_("ideas deadline"), null=True, blank=True)
    supports_deadline = models.DateTimeField(_("supports deadline"), null=True, blank=True)
    results_date = models.DateTimeField(_("results expected"), null=True, blank=True)
    categories = models.ManyToManyField(
        Category, through="ChallengeCategory", blank=True, verbose_name=_("categories")
    )
    districts = models.ManyToManyField(
        District, through="ChallengeDistrict", blank=True, verbose_name=_("districts")
    )
    premoderation = models.BooleanField(
        _("pre-moderation"),
        default=False,
        help_text=_("Hold new ideas until a moderator approves them."),
    )
    supports_enabled = models.BooleanField(_("supports allowed"), default=True)
    max_ideas_per_person = models.PositiveSmallIntegerField(
        _("maximum ideas per person"), null=True, blank=True
    )
    report_hide_threshold = models.PositiveSmallIntegerField(
        _("auto-hide after this many reports"), default=3, validators=[MinValueValidator(1)]
    )
    require_verified_email = models.BooleanField(_("require a verified email"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When followers were told it opened (``follows.challenge_announce``):
    # set once, so closing and reopening a challenge does not announce twice.
    announced_at = models.DateTimeField(_("opening announced"), null=True, blank=True)

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(ChallengeQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="challenge_slug_per_city"),
            city_id_key("challenge"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def accepts_ideas(self) -> bool:
        return self.phase == self.Phase.IDEAS

    @property
    def accepts_supports(self) -> bool:
        return self.supports_enabled and self.phase in (self.Phase.IDEAS, self.Phase.SUPPORTS)

    @property
    def accepts_comments(self) -> bool:
        return self.phase not in (self.Phase.DRAFT, self.Phase.CLOSED)


class ChallengeCategory(CityLink):
    """A challenge's category (the table Django used to create by itself)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")

    link_fields = ("challenge", "category")

    class Meta(CityLink.Meta):
        db_table = "ideas_challenge_categories"
        verbose_name = _("challenge category")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "category"], name="challenge_category_once"
            )
        ]


class ChallengeDistrict(CityLink):
    """A district a challenge is about."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")

    link_fields = ("challenge", "district")

    class Meta(CityLink.Meta):
        db_table = "ideas_challenge_districts"
        verbose_name = _("challenge district")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "district"], name="challenge_district_once"
            )
        ]


class Follow(TenantModel):
    """A person wants to hear when a challenge opens for ideas: in the whole
    city (no category) or in one category (``ideas.follows``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="challenge_follows",
        verbose_name=_("person"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
        verbose_name=_("category"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            # NULLs not distinct: one city-wide follow per person, too.
            models.UniqueConstraint(
                fields=["city", "user", "category"],
                name="follow_once",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # The fan-out: everyone following the city or these categories.
            models.Index(fields=["city", "category"], name="follow_audience_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.category_id or 'city'}"


class IdeaQuerySet(models.QuerySet):
    """The reads every list of ideas starts from (``Idea.objects.public()
    .in_challenge(c)``); ``ideas.selectors`` assembles pages from them.

    ``public()`` and ``Idea.is_public`` are one rule, as a filter and as a
    boolean; ``visible_to(user)`` is the twin of ``rules.can_view_idea``.
    Tests check that each pair agrees (tests/ideas/test_rules.py).
    """

    def public(self) -> IdeaQuerySet:
        """Ideas everyone may see: lists, search, counts, feeds, open data.
        The IN list is ``PUBLIC_STATUS_LIST`` so the partial indexes serve it."""
        return self.filter(status__in=PUBLIC_STATUS_LIST)

    def visible_to(self, user: Any) -> IdeaQuerySet:
        """Twin of ``rules.can_view_idea``: public ideas, plus the person's
        own ideas whatever their status, plus everything for the city's
        moderators (and admins)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.public()
        if is_city_moderator(user):
            return self.all()
        return self.filter(models.Q(status__in=PUBLIC_STATUS_LIST) | models.Q(author=user))

    def in_challenge(self, challenge: Challenge | int) -> IdeaQuerySet:
        return self.filter(challenge=challenge)


class Idea(Versioned, TenantModel):
    challenge = models.ForeignKey(
        Challenge, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("challenge")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ideas",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("description"), validators=[MaxLengthValidator(BODY_MAX)])
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("category")
    )
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("district")
    )
    # WGS 84 degrees; a city's bounding box (``City.contains_point``) narrows
    # them further in ``services``. Both or neither (constraint below).
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=20, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED
    )
    status_before_hidden = models.CharField(max_length=20, blank=True, editable=False)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    support_count = models.PositiveIntegerField(_("supports"), default=0, editable=False)
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    report_count = models.PositiveIntegerField(_("open reports"), default=0, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # A random number fixed at creation; the "random" sort shuffles it with a
    # per-visitor seed so pages stay stable while the order stays fair.
    shuffle_key = models.IntegerField(default=0, editable=False)
    # Sent with the submit form: a resubmitted (double-clicked) form finds the
    # idea it already created instead of creating a second one.
    submission_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(city="city", _manager_class=models.Manager.from_queryset(IdeaQuerySet))

    class Meta(TenantModel.Meta):
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(support_count__gte=0), name="idea_support_count_non_negative"
            ),
            models.UniqueConstraint(
                fields=["author", "submission_token"], name="idea_submission_once"
            ),
            # The map trusts these: a point on Earth, or no point at all.
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(
                        latitude__isnull=False,
                        longitude__isnull=False,
                        latitude__gte=-90,
                        latitude__lte=90,
                        longitude__gte=-180,
                        longitude__lte=180,
                    )
                ),
                name="idea_location_on_earth",
            ),
        ]
        # The public lists' orders, one partial index each (docs/performance.md).
        # Partial on the public statuses because the lists ask for
        # ``status IN (...)``: an index whose second column is ``status``
        # cannot return a 7-value IN list in ``created_at`` order, so every
        # page sorted all of the challenge's ideas. PostgreSQL proves the
        # predicate from the query's identical IN list; the ordering columns
        # end with ``id`` so they match the selectors' tie-breaks exactly.
        # ``city`` (row-level security and the scoped manager test it) and
        # the list filters are included so the page's id query is an
        # index-only scan, whatever the OFFSET.
        indexes = [
            models.Index(
                fields=["challenge", "-created_at", "-id"],
                include=["city", "category", "district"],
                condition=models.Q(status__in=sorted(PUBLIC_STATUSES)),
                name="idea_public_newest_idx",
            ),
            models.Index(
                fields=["challenge", "-support_count", "-created_at", "-id"],
                include=["city", "category", "district"],
                condition=models.Q(status__in=sorted(PUBLIC_STATUSES)),
                name="idea_public_supported_idx",
            ),
            models.Index(
                fields=["challenge", "-comment_count", "-created_at", "-id"],
                include=["city", "category", "district"],
                condition=models.Q(status__in=sorted(PUBLIC_STATUSES)),
                name="idea_public_discussed_idx",
            ),
            models.Index(
                fields=["challenge", "shuffle_key", "id"],
                include=["city", "category", "district"],
                condition=models.Q(status__in=sorted(PUBLIC_STATUSES)),
                name="idea_public_shuffle_idx",
            ),
            # The city's home page: most supported and newest across challenges.
            models.Index(
                fields=["city", "-support_count", "-id"],
                condition=models.Q(status__in=sorted(PUBLIC_STATUSES)),
                name="idea_city_supported_idx",
            ),
            models.Index(
                fields=["city", "-published_at", "-id"],
                condition=models.Q(status__in=sorted(PUBLIC_STATUSES)),
                name="idea_city_published_idx",
            ),
            GinIndex(fields=["search_vector"], name="idea_search_idx"),
            GinIndex(name="idea_title_trgm_idx", fields=["title"], opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        """The boolean twin of ``Idea.objects.public()``: one rule, two forms."""
        return self.status in PUBLIC_STATUSES


class IdeaSearchEntry(TenantModel):
    """The searchable text of a public idea, kept by the database like an index.

    Rows exist only for ideas in ``PUBLIC_STATUSES``; a trigger on
    ``ideas_idea`` (migration ``0002_ideasearchentry``) inserts, updates and
    deletes them in the same transaction as the idea, so services, admin
    actions and bulk SQL cannot forget it. Public ideas are public, so the
    table is readable by every city (``public_read``) and its GIN indexes work
    under row-level security, which keeps them out of ``ideas_idea``'s plans
    (see ``docs/search.md``). Writes are still limited to the row's city.
    Because every city can read it, **every query must filter by ``city_id``**
    (``ideas.search`` does); it holds nothing personal. Never write it from
    Python.
    """

    idea = models.OneToOneField(
        Idea, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=TITLE_MAX)
    search_vector = SearchVectorField(null=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [
            GinIndex(fields=["search_vector"], name="ideasearch_vector_idx"),
            GinIndex(
                name="ideasearch_title_trgm_idx", fields=["title"], opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IdeaImage(TenantModel):
    """An uploaded picture, already re-encoded (see civicideas.content.uploads)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to="ideas/%Y/%m/")
    alt_text = models.CharField(_("description of the image"), max_length=200, blank=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantModel.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt_text or str(_("Image %(number)s") % {"number": self.position + 1})


class Support(TenantModel):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="support_once_per_person")
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="support_by_user_idx")]

    def __str__(self) -> str:
        return str(_("Support for “%(idea)s”") % {"idea": self.idea})


class Comment(Versioned, TenantModel):
    class State(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden by moderation")
        DELETED = "deleted", _("Deleted by the author")

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="idea_comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"), validators=[MaxLengthValidator(COMMENT_MAX)])
    #: The language the person wrote in (the page's, set by ``comment_create``),
    #: so a French comment on an English page is marked ``lang="fr"``.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    state = models.CharField(max_length=10, choices=State.choices, default=State.VISIBLE)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    report_count = models.PositiveIntegerField(_("open reports"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["idea", "created_at"], name="comment_idea_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class Report(TenantModel):
    """A citizen's report of an idea or a comment (exactly one of the two)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.TextField(_("reason"), max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(idea__isnull=False, comment__isnull=True)
                    | models.Q(idea__isnull=True, comment__isnull=False)
                ),
                name="report_targets_one_thing",
            ),
            models.UniqueConstraint(
                fields=["idea", "reporter"],
                condition=models.Q(state="open", comment__isnull=True),
                name="report_idea_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["comment", "reporter"],
                condition=models.Q(state="open"),
                name="report_comment_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        target = self.idea if self.idea_id else self.comment
        return str(_("Report on “%(target)s”") % {"target": target})


class StatusChange(TenantModel):
    """The public timeline of an idea: every status change with who, when and
    the city's message. Civil servants' changes are the official answers."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=IdeaStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=IdeaStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(_("public message"), blank=True)
    is_official = models.BooleanField(_("official answer"), default=False)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["idea", "created_at"], name="statuschange_idea_idx"),
            models.Index(
                fields=["-created_at"],
                name="statuschange_official_idx",
                condition=models.Q(is_official=True, is_public=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idea}: {self.get_to_status_display()}"


class ModerationAction(TenantModel):
    """Audit log of moderation: who did what to which content, and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        AUTO_HIDE = "auto_hide", _("Hidden automatically after reports")
        DISMISS = "dismiss", _("Reports dismissed")

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation_actions"
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_actions",
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        target = self.idea if self.idea_id else self.comment
        return f"{self.get_action_display()}: {target}"
