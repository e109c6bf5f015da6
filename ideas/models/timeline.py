"""An idea's public timeline: its status changes and the city's official answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.content.translations import Translatable
from civicideas.tenancy.models import TenantModel
from ideas.models.ideas import Idea
from ideas.status import IdeaStatus


class StatusChange(Translatable, TenantModel):
    """The public timeline of an idea: every status change with who, when and
    the city's message. Civil servants' changes are the official answers;
    their message is in the city's default language, others in
    ``translations``."""

    translatable_fields = ("message",)

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("idea")
    )
    from_status = models.CharField(
        _("previous status"), max_length=20, choices=IdeaStatus.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=20, choices=IdeaStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    message = models.TextField(_("public message"), blank=True)
    is_official = models.BooleanField(_("official answer"), default=False)
    is_public = models.BooleanField(_("shown on the public pages"), default=True)
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
