"""Citizens' supports (votes) for ideas."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from ideas.models.ideas import Idea


class Support(TenantModel):
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="supports", verbose_name=_("idea")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="supports",
        verbose_name=_("user"),
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
