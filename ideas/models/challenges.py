"""Challenges (calls for ideas) and the categories and districts they are about."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.concurrency import Versioned
from civicideas.content.translations import Translatable, localized_text
from civicideas.tenancy.models import CityLink, TenantModel, city_id_key
from ideas.models.taxonomy import Category, District


class ChallengeQuerySet(models.QuerySet):
    def public(self) -> ChallengeQuerySet:
        return self.exclude(phase=Challenge.Phase.DRAFT)


class Challenge(Translatable, Versioned, TenantModel):
    """A call for ideas. Its phase decides what citizens may do. Title,
    summary and description are the city's default language; the other
    languages are in ``translations`` (``civicideas.content.translations``)."""

    translatable_fields = ("title", "summary", "description")

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
    # Checked and re-encoded by civicideas.content.uploads (ChallengeForm);
    # the description is required whenever there is an image.
    image = models.ImageField(_("image"), upload_to="challenges/%Y/%m/", blank=True)
    image_alt = models.CharField(
        _("description of the image"),
        max_length=200,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
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
        return str(localized_text(self, "title"))

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

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="+", verbose_name=_("challenge")
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )

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

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="+", verbose_name=_("challenge")
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="+", verbose_name=_("district")
    )

    link_fields = ("challenge", "district")

    class Meta(CityLink.Meta):
        db_table = "ideas_challenge_districts"
        verbose_name = _("challenge district")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "district"], name="challenge_district_once"
            )
        ]
