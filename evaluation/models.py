"""Rubrics, assignments, scorecards and the audit log of the evaluation.

Every table is a tenant table (city FK, scoped manager, row-level security).
Nothing here holds business rules: ``evaluation.services`` writes these rows,
``evaluation.aggregation`` reads them in SQL.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.concurrency import Versioned
from civicideas.content.translations import Translatable, all_languages, localized_text
from civicideas.tenancy.models import TenantModel
from ideas.models import Challenge, Idea


class Rubric(Versioned, TenantModel):
    """A reusable set of weighted criteria on one scale.

    Once a challenge has submitted scorecards against it, a rubric is frozen:
    changing it would silently change scores already given. Edits then go to
    a new version (``services.rubric_new_version``), linked by ``parent``.
    """

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="versions",
        verbose_name=_("previous version"),
    )
    preset = models.CharField(_("preset"), max_length=40, blank=True, editable=False)
    scale_min = models.SmallIntegerField(_("scale minimum"), default=0)
    scale_max = models.SmallIntegerField(_("scale maximum"), default=5)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["name", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")),
                name="rubric_scale_min_below_max",
                violation_error_message=_("The scale's minimum must be below its maximum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})" if self.version > 1 else self.name

    def clean(self) -> None:
        if (
            self.scale_min is not None
            and self.scale_max is not None
            and self.scale_min >= self.scale_max
        ):
            raise ValidationError(
                {"scale_max": _("The scale's maximum must be above its minimum.")}
            )


class Criterion(Translatable, TenantModel):
    """One thing evaluators score. Name, guidance and level labels are the
    city's default language; the others are in ``translations``."""

    translatable_fields = ("name", "guidance", "level_labels")

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("rubric")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=120)
    guidance = models.TextField(_("guidance for evaluators"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scale_min = models.SmallIntegerField(_("lowest score"), default=0)
    scale_max = models.SmallIntegerField(_("highest score"), default=5)
    level_labels = models.JSONField(
        _("level labels"),
        default=list,
        blank=True,
        help_text=_("One label per level, from the lowest score to the highest."),
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="criterion_weight_gt_0"),
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")),
                name="criterion_scale_min_below_max",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.weight is not None and self.weight <= 0:
            errors["weight"] = _("The weight must be greater than zero.")
        if (
            self.scale_min is not None
            and self.scale_max is not None
            and self.scale_min >= self.scale_max
        ):
            errors["scale_max"] = _("The highest score must be above the lowest score.")
        else:
            levels = self.scale_max - self.scale_min + 1
            # The same rule for the labels of every language.
            for labels in all_languages(self, "level_labels").values():
                if not labels:
                    continue
                if not isinstance(labels, list) or not all(
                    isinstance(label, str) for label in labels
                ):
                    errors["level_labels"] = _("Give the level labels as a list of texts.")
                elif len(labels) != levels:
                    errors["level_labels"] = _(
                        "Give one label per level: %(n)d labels for a scale of %(min)d to %(max)d."
                    ) % {"n": levels, "min": self.scale_min, "max": self.scale_max}
        if errors:
            raise ValidationError(errors)

    def levels(self) -> list[tuple[int, str]]:
        """(score, label) pairs for the form, lowest first."""
        labels = localized_text(self, "level_labels")
        labels = labels if isinstance(labels, list) else []
        return [
            (score, labels[i] if i < len(labels) else "")
            for i, score in enumerate(range(self.scale_min, self.scale_max + 1))
        ]


class ChallengeEvaluation(TenantModel):
    """How one challenge is evaluated (kept out of ``ideas.Challenge``)."""

    challenge = models.OneToOneField(
        Challenge,
        on_delete=models.CASCADE,
        related_name="evaluation",
        verbose_name=_("challenge"),
    )
    rubric = models.ForeignKey(
        Rubric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenge_settings",
        verbose_name=_("rubric"),
    )
    evaluators_per_idea = models.PositiveSmallIntegerField(
        _("evaluators per idea"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    blind_review = models.BooleanField(
        _("blind review"),
        default=True,
        help_text=_("Evaluators see others' scores only after submitting their own."),
    )
    support_weight = models.PositiveSmallIntegerField(
        _("weight of citizens' support (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "0 ranks on the experts' scores only; 100 on citizens' supports only. "
            "Supports are normalised within the challenge."
        ),
    )
    calibration = models.BooleanField(
        _("evaluator calibration"),
        default=False,
        help_text=_(
            "Standardise each evaluator's scores so that lenient and harsh evaluators "
            "count the same."
        ),
    )
    due_date = models.DateTimeField(_("due date"), null=True, blank=True)
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Flag an idea when the spread of its scores passes this value."),
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("challenge evaluation settings")
        verbose_name_plural = _("challenge evaluation settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(support_weight__lte=100), name="evaluation_support_weight_pct"
            ),
            models.CheckConstraint(
                condition=models.Q(evaluators_per_idea__gte=1), name="evaluation_k_at_least_1"
            ),
        ]

    def __str__(self) -> str:
        return str(self.challenge)


class Assignment(TenantModel):
    """An evaluator is asked to score an idea. ``challenge`` repeats the
    idea's challenge so the aggregation filters one indexed column."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="+", verbose_name=_("challenge")
    )
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("idea")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evaluation_assignments",
        verbose_name=_("evaluator"),
    )
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    #: When the "evaluation due soon" reminder covered this assignment; set
    #: by the one UPDATE that claims it (so a reminder goes out once) and
    #: cleared when the challenge's due date or the evaluator changes.
    due_reminder_sent_at = models.DateTimeField(
        _("due-date reminder sent"), null=True, blank=True, editable=False
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["idea", "evaluator"], name="assignment_once")
        ]
        indexes = [
            models.Index(fields=["challenge", "evaluator"], name="assignment_challenge_idx"),
            models.Index(fields=["evaluator", "-created_at"], name="assignment_evaluator_idx"),
            # The admin's assignments list, newest first (its default
            # ordering): a page's ids read from the index instead of a sort
            # of the city's assignments (3 ms at 15,000; issue 17).
            models.Index(fields=["city", "-created_at", "-id"], name="assignment_city_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.idea} — {self.evaluator}"


class ConflictOfInterest(TenantModel):
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("idea")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="evaluation_conflicts",
        verbose_name=_("evaluator"),
    )
    reason = models.TextField(_("reason"), max_length=1000)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("declared by"),
    )
    created_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["idea", "evaluator"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.evaluator} / {self.idea}"


class Scorecard(TenantModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Recommendation(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        REJECT = "reject", _("Reject")
        NEEDS_INFO = "needs_info", _("Needs more information")

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="scorecard", verbose_name=_("assignment")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    overall_comment = models.TextField(_("overall comment"), blank=True, max_length=5000)
    recommendation = models.CharField(
        _("recommendation"), max_length=12, choices=Recommendation.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reopened_reason = models.TextField(_("reason for reopening"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        indexes = [
            models.Index(fields=["state"], name="scorecard_state_idx"),
            # The dashboard's newest submitted scorecards, read in order: at
            # 15,000 submitted, sorting them all took 29 ms (issue 17).
            models.Index(
                fields=["city", "-submitted_at", "-id"],
                condition=models.Q(state="submitted", submitted_at__isnull=False),
                name="scorecard_submitted_idx",
            ),
        ]

    def __str__(self) -> str:
        return str(self.assignment)


class CriterionScore(TenantModel):
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="scores", verbose_name=_("scorecard")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta(TenantModel.Meta):
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="criterionscore_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class EvaluationAuditLog(TenantModel):
    """Who changed what in the evaluation, when and why. Written by the
    services only, never edited."""

    class Action(models.TextChoices):
        RUBRIC_CREATED = "rubric_created", _("Rubric created")
        RUBRIC_CHANGED = "rubric_changed", _("Rubric changed")
        RUBRIC_VERSIONED = "rubric_versioned", _("New rubric version")
        SETTINGS_CHANGED = "settings_changed", _("Evaluation settings changed")
        ASSIGNED = "assigned", _("Assigned")
        AUTO_ASSIGNED = "auto_assigned", _("Auto-assigned")
        REASSIGNED = "reassigned", _("Reassigned")
        UNASSIGNED = "unassigned", _("Assignment removed")
        CONFLICT = "conflict", _("Conflict of interest declared")
        DRAFT_SAVED = "draft_saved", _("Draft saved")
        SUBMITTED = "submitted", _("Scorecard submitted")
        REOPENED = "reopened", _("Scorecard reopened")
        DECISION = "decision", _("Decision")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    challenge = models.ForeignKey(
        Challenge,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("challenge"),
    )
    idea = models.ForeignKey(
        Idea,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("idea"),
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    reason = models.TextField(_("why"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("evaluation audit entry")
        verbose_name_plural = _("evaluation audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["challenge", "-created_at"], name="evalaudit_challenge_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} — {self.subject}"
