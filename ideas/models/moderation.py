"""Citizens' reports of ideas and comments, and the moderation log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from ideas.models.comments import Comment
from ideas.models.ideas import Idea


class Report(TenantModel):
    """A citizen's report of an idea or a comment (exactly one of the two)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    idea = models.ForeignKey(
        Idea,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("idea"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("comment"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_made",
        verbose_name=_("reported by"),
    )
    reason = models.TextField(_("reason"), max_length=1000)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
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


class ModerationAction(TenantModel):
    """Audit log of moderation: who did what to which content, and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        AUTO_HIDE = "auto_hide", _("Hidden automatically after reports")
        DISMISS = "dismiss", _("Reports dismissed")

    idea = models.ForeignKey(
        Idea,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("idea"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("comment"),
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("moderator"),
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
