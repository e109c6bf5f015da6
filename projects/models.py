"""City projects, their milestones and public updates.

A project is how the city carries out one or more accepted ideas (and may
take in community initiatives). Its progress is *derived* (milestones done,
weighted; or its children's progress, weighted) and stored in ``progress``
by ``projects.services.progress`` so lists sort and filter on it in SQL; a
manual override needs a reason, which the public page shows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.concurrency import Versioned
from civicideas.content.translations import Translatable, localized_text
from civicideas.tenancy.models import CityLink, TenantModel, city_id_key
from civicideas.tenancy.permissions import is_city_admin
from projects.status import ProjectStatus

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

TITLE_MAX = 150
TEXT_MAX = 10_000
REASON_MAX = 1_000
#: A stable reference from the city's own system (the CSV import's key).
EXTERNAL_REF_MAX = 100
#: Ten billion: more than any city's budget, small enough to catch a typo
#: with three extra zeros ("absurd" amounts are refused by the services).
BUDGET_MAX = Decimal("10000000000")
RUNNING = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)
_BUDGET = [MinValueValidator(Decimal("0")), MaxValueValidator(BUDGET_MAX)]


class ProjectQuerySet(models.QuerySet):
    def public(self) -> ProjectQuerySet:
        """Projects shown to everyone. A city may keep a project out of the
        public pages while it is being prepared (``is_public``); the status
        says nothing about visibility, so a stopped project stays public."""
        return self.filter(is_public=True)

    def visible_to(self, user: Viewer) -> ProjectQuerySet:
        """Twin of ``projects.rules.can_view_project``: the city's
        administrators (who manage projects) see them all, as ideas'
        ``visible_to`` asks ``tenancy.permissions`` itself; the rules' test
        checks that the two agree."""
        return self.all() if is_city_admin(user) else self.public()

    def late(self, today: date) -> ProjectQuerySet:
        """Running past their planned end, or done after it (``Project.is_late``)."""
        running = models.Q(planned_end__lt=today, status__in=RUNNING)
        done_late = models.Q(status=ProjectStatus.DONE, actual_end__gt=models.F("planned_end"))
        return self.filter(running | done_late)


class Project(Translatable, Versioned, TenantModel):
    translatable_fields = ("title", "description")

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description (Markdown)"), max_length=TEXT_MAX, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
        help_text=_("A larger project this one is part of."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("How much this project counts in its parent's progress."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    stop_reason = models.TextField(_("why it stopped"), max_length=REASON_MAX, blank=True)
    department = models.ForeignKey(
        "ideas.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("responsible department"),
    )
    # Named for the city's staff; public pages show the role only.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible civil servant"),
    )
    category = models.ForeignKey(
        "ideas.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    district = models.ForeignKey(
        "ideas.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    budget_planned = models.DecimalField(
        _("planned budget"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_BUDGET,
    )
    budget_spent = models.DecimalField(
        _("spent so far"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_BUDGET,
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    #: Derived (``projects.services.progress.project_refresh_progress``), 0 to 100.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, editable=False)
    progress_override = models.PositiveSmallIntegerField(
        _("progress set by hand (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Leave empty to derive progress from milestones or sub-projects."),
    )
    progress_override_reason = models.CharField(
        _("why progress is set by hand"), max_length=300, blank=True
    )
    is_public = models.BooleanField(_("shown on the public pages"), default=True)
    external_ref = models.CharField(
        _("external reference"),
        max_length=EXTERNAL_REF_MAX,
        blank=True,
        default="",
        help_text=_("The project's reference in the city's own system; the CSV import uses it."),
    )
    ideas = models.ManyToManyField(
        "ideas.Idea", through="ProjectIdea", blank=True, verbose_name=_("ideas")
    )
    initiatives = models.ManyToManyField(
        "sponsors.Initiative",
        through="ProjectInitiative",
        blank=True,
        verbose_name=_("community initiatives"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(ProjectQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            city_id_key("project"),
            models.UniqueConstraint(
                fields=["city", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="project_external_ref_per_city",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="project_progress_percent"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")),
                name="project_planned_dates_in_order",
                violation_error_message=_("The planned end is before the planned start."),
            ),
            models.CheckConstraint(
                condition=models.Q(actual_end__isnull=True)
                | models.Q(actual_start__isnull=True)
                | models.Q(actual_end__gte=models.F("actual_start")),
                name="project_actual_dates_in_order",
                violation_error_message=_("The actual end is before the actual start."),
            ),
            models.CheckConstraint(
                condition=models.Q(budget_planned__isnull=True)
                | models.Q(budget_planned__gte=0, budget_planned__lte=BUDGET_MAX),
                name="project_budget_planned_sane",
                violation_error_message=_(
                    "The planned budget must be between 0 and 10,000,000,000."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(budget_spent__isnull=True)
                | models.Q(budget_spent__gte=0, budget_spent__lte=BUDGET_MAX),
                name="project_budget_spent_sane",
                violation_error_message=_("The amount spent must be between 0 and 10,000,000,000."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ProjectStatus.STOPPED) | ~models.Q(stop_reason=""),
                name="project_stopped_with_reason",
                violation_error_message=_("A stopped project needs a reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["city", "status", "-updated_at", "-id"], name="project_list"),
        ]

    def __str__(self) -> str:
        return str(localized_text(self, "title"))

    def is_late(self, today: date) -> bool:
        """The boolean twin of ``ProjectQuerySet.late``."""
        if self.planned_end is None:
            return False
        if self.status == ProjectStatus.DONE:
            return self.actual_end is not None and self.actual_end > self.planned_end
        return self.status in RUNNING and today > self.planned_end


class ProjectIdea(CityLink):
    """An idea the project carries out. An idea belongs to one project at most."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="idea_links", verbose_name=_("project")
    )
    idea = models.ForeignKey(
        "ideas.Idea", on_delete=models.PROTECT, related_name="project_links", verbose_name=_("idea")
    )

    link_fields = ("project", "idea")

    class Meta(CityLink.Meta):
        verbose_name = _("idea carried out")
        verbose_name_plural = _("ideas carried out")
        constraints = [models.UniqueConstraint(fields=["idea"], name="project_idea_once")]


class ProjectInitiative(CityLink):
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="initiative_links",
        verbose_name=_("project"),
    )
    initiative = models.ForeignKey(
        "sponsors.Initiative",
        on_delete=models.PROTECT,
        related_name="project_links",
        verbose_name=_("initiative"),
    )

    link_fields = ("project", "initiative")

    class Meta(CityLink.Meta):
        verbose_name = _("initiative taken in")
        verbose_name_plural = _("initiatives taken in")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "initiative"], name="project_initiative_once"
            )
        ]


class Milestone(Translatable, TenantModel):
    translatable_fields = ("title",)

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("How much this milestone counts in the project's progress."),
    )
    external_ref = models.CharField(
        _("external reference"),
        max_length=EXTERNAL_REF_MAX,
        blank=True,
        default="",
        help_text=_("The milestone's reference in the city's own system; the CSV import uses it."),
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(due_on__gte=models.F("starts_on")),
                name="milestone_dates_in_order",
                violation_error_message=_("The milestone is due before it starts."),
            ),
            models.UniqueConstraint(
                fields=["city", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="milestone_external_ref_per_city",
            ),
        ]

    def __str__(self) -> str:
        return str(localized_text(self, "title"))


class ProjectUpdate(Translatable, TenantModel):
    """News from the project, published to everyone who follows it."""

    translatable_fields = ("text",)

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    # Checked and re-encoded by civicideas.content.uploads.
    image = models.ImageField(_("image"), upload_to="projects/%Y/%m/", blank=True)
    image_alt = models.CharField(_("description of the image"), max_length=200, blank=True)
    published_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project}: {self.text[:60]}"


class ProjectStatusChange(TenantModel):
    """Who moved the project, when and why: the audit trail and the public
    timeline."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("project")
    )
    from_status = models.CharField(
        _("previous status"), max_length=12, choices=ProjectStatus.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=12, choices=ProjectStatus.choices)
    reason = models.TextField(_("reason"), max_length=REASON_MAX, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("project status change")
        verbose_name_plural = _("project status changes")
        ordering = ["-at", "-pk"]


class ProjectFollow(TenantModel):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="follows", verbose_name=_("project")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="project_follows",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("project follower")
        verbose_name_plural = _("project followers")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_follow_once")
        ]
