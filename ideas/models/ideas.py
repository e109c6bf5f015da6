"""Ideas, their search entries and their pictures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.concurrency import Versioned
from civicideas.tenancy.models import TenantModel, city_id_key
from civicideas.tenancy.permissions import is_city_moderator
from ideas.models.challenges import Challenge
from ideas.models.taxonomy import Category, District
from ideas.status import PUBLIC_STATUS_LIST, PUBLIC_STATUSES, IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

TITLE_MAX = 150
BODY_MAX = 5_000


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

    def visible_to(self, user: Viewer) -> IdeaQuerySet:
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


class Channel(models.TextChoices):
    """How an idea reached the city (docs/offline.md). Everything but
    ``WEB`` is typed in by staff on the person's behalf."""

    WEB = "web", _("On-line")
    PAPER = "paper", _("Paper form")
    WORKSHOP = "workshop", _("Workshop")
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    STREET_STAND = "street_stand", _("Street stand")


class Idea(Versioned, TenantModel):
    challenge = models.ForeignKey(
        Challenge, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("challenge")
    )
    # Null: no account holds the idea (yet). Staff typed it in from paper, a
    # workshop or a call, for someone who stays anonymous or has not yet
    # claimed it through their invitation (``IdeaInvitation``). Pages show
    # "a resident"; no notification goes to nobody (docs/offline.md).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    status_before_hidden = models.CharField(
        _("status before hiding"), max_length=20, blank=True, editable=False
    )
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
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)
    # A random number fixed at creation; the "random" sort shuffles it with a
    # per-visitor seed so pages stay stable while the order stays fair.
    shuffle_key = models.IntegerField(_("random sort key"), default=0, editable=False)
    # Sent with the submit form: a resubmitted (double-clicked) form finds the
    # idea it already created instead of creating a second one.
    submission_token = models.UUIDField(
        _("submission token"), null=True, blank=True, editable=False
    )
    # Provenance (docs/offline.md): how and when the person gave the idea,
    # and the staff member who typed it in. The events app adds the event
    # (workshop) an idea came from with its own link table to ``Idea``, so
    # this app does not depend on it.
    # db_default too: rows written outside the ORM (bulk SQL in benchmarks
    # and tests) are on-line ideas.
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=Channel.choices,
        default=Channel.WEB,
        db_default=Channel.WEB,
    )
    channel_date = models.DateField(_("given on"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("entered by"),
    )
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
            # Staff entering ideas for others: one idea per entry form too.
            models.UniqueConstraint(
                fields=["entered_by", "submission_token"], name="idea_entry_once"
            ),
            # An idea entered on someone's behalf says by whom.
            models.CheckConstraint(
                condition=models.Q(channel="web") | models.Q(entered_by__isnull=False),
                name="idea_offline_entered_by",
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
            # What a project's links to its ideas reference (``CityLink``).
            city_id_key("idea"),
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
            # The admin's change list, every status, newest first (its default
            # ordering): an index scan of 100 rows instead of a sort of the
            # city's ideas (issue 17).
            models.Index(fields=["city", "-created_at", "-id"], name="idea_city_created_idx"),
            # The admin list's most used sorts (issue 17): most supported
            # first (?o=-6, read forwards; ?o=6 backwards, the tie-break
            # reversed too: IdeaAdmin.sort_orders) and by status (?o=3, also
            # the status filter of a rare status: pending, hidden). Every
            # support already rewrites each index entry of its idea (the
            # count is indexed above, so no HOT update); each index adds
            # one more, measured in docs/performance.md.
            models.Index(
                fields=["city", "-support_count", "-created_at", "-id"],
                name="idea_admin_supported_idx",
            ),
            models.Index(
                fields=["city", "status", "-created_at", "-id"],
                name="idea_admin_status_idx",
            ),
            # "Most discussed" and "most reported" (?o=-7, ?o=-8): the admin
            # list sorts by one column at a time, in its index's order or the
            # exact reverse (IdeaAdmin.sort_orders), so each index serves both
            # directions; almost every idea has 0 open reports, a group no
            # incremental sort could take in part.
            models.Index(
                fields=["city", "-comment_count", "-created_at", "-id"],
                name="idea_admin_discussed_idx",
            ),
            models.Index(
                fields=["city", "-report_count", "-created_at", "-id"],
                name="idea_admin_reported_idx",
            ),
            # The admin list's challenge, category and district filters,
            # newest first: a challenge's ideas may be years old (the walk
            # down the city's newest ideas would pass every newer one), and
            # a prepared statement's generic plan, blind to how a city's
            # ideas spread, picked a bitmap scan of all of a district's
            # ideas and a sort (18 ms at 100,000 ideas) over this walk.
            models.Index(
                fields=["city", "challenge", "-created_at", "-id"], name="idea_admin_challenge_idx"
            ),
            models.Index(
                fields=["city", "category", "-created_at", "-id"], name="idea_admin_category_idx"
            ),
            models.Index(
                fields=["city", "district", "-created_at", "-id"], name="idea_admin_district_idx"
            ),
            # The admin list's channel filter (paper, workshop, phone…):
            # newest first without walking the city's on-line ideas. Those
            # are most ideas and left out, so supports never touch it.
            models.Index(
                fields=["city", "channel", "-created_at", "-id"],
                name="idea_admin_offline_idx",
                condition=~models.Q(channel=Channel.WEB),
            ),
            # The moderation queue's pending ideas: only they are in it, so
            # it costs nothing on the hot writes (supports) of public ideas.
            models.Index(
                fields=["city", "created_at"],
                condition=models.Q(status=IdeaStatus.PENDING),
                name="idea_pending_idx",
            ),
            # The statistics (docs/statistics.md) read every idea of a city by
            # date: an index-only scan instead of the wide rows (body, search
            # vector), 3 to 5 times faster at 100,000 ideas.
            models.Index(
                fields=["city", "created_at"],
                include=[
                    "status",
                    "published_at",
                    "category",
                    "district",
                    "author",
                    "challenge",
                ],
                name="idea_statistics_idx",
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

    @property
    def provenance(self) -> str:
        """ "Submitted on paper on 12 March": how an idea typed in by staff
        reached the city, in the active language; "" for on-line ideas."""
        if self.channel == Channel.WEB or self.channel_date is None:
            return ""
        same_year = self.channel_date.year == timezone.localdate().year
        day = formats.date_format(self.channel_date, "j F" if same_year else "j F Y")
        phrases = {
            Channel.PAPER: gettext("Submitted on paper on %(date)s"),
            Channel.WORKSHOP: gettext("Submitted at a workshop on %(date)s"),
            Channel.PHONE: gettext("Submitted by phone on %(date)s"),
            Channel.EMAIL: gettext("Submitted by e-mail on %(date)s"),
            Channel.STREET_STAND: gettext("Submitted at a street stand on %(date)s"),
        }
        phrase = phrases.get(self.channel)
        return phrase % {"date": day} if phrase else ""


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
        Idea,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_entry",
        verbose_name=_("idea"),
    )
    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="+", verbose_name=_("challenge")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    search_vector = SearchVectorField(_("search index"), null=True)

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

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="images", verbose_name=_("idea")
    )
    image = models.ImageField(_("image"), upload_to="ideas/%Y/%m/")
    alt_text = models.CharField(_("description of the image"), max_length=200, blank=True)
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta(TenantModel.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt_text or str(_("Image %(number)s") % {"number": self.position + 1})
