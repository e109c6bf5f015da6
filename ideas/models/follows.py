"""Who wants to hear when a challenge opens (``ideas.follows``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from ideas.models.taxonomy import Category


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
