"""Comments on ideas and their replies."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.concurrency import Versioned
from civicideas.tenancy.models import TenantModel
from ideas.models.ideas import Idea

COMMENT_MAX = 2_000


class Comment(Versioned, TenantModel):
    class State(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden by moderation")
        DELETED = "deleted", _("Deleted by the author")

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="comments", verbose_name=_("idea")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="idea_comments",
        verbose_name=_("author"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    body = models.TextField(_("comment"), validators=[MaxLengthValidator(COMMENT_MAX)])
    #: The language the person wrote in (the page's, set by ``comment_create``),
    #: so a French comment on an English page is marked ``lang="fr"``.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.VISIBLE
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    report_count = models.PositiveIntegerField(_("open reports"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["idea", "created_at"], name="comment_idea_idx"),
            # The admin's comment list, newest first (issue 17).
            models.Index(fields=["city", "-created_at", "-id"], name="comment_city_created_idx"),
            # The statistics' monthly and district figures read comments by
            # date without the wide rows (docs/statistics.md).
            models.Index(
                fields=["city", "created_at"],
                include=["author", "idea", "state"],
                name="comment_statistics_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]
