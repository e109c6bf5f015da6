"""The precomputed sponsor ↔ initiative matches."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from sponsors.models.initiatives import Initiative
from sponsors.models.sponsors import Sponsor


class SponsorMatch(TenantModel):
    """A sponsor's score for an initiative, written by ``sponsors.matching``
    only (set-based SQL). ``explanation`` holds the components, not text:
    the page words them in the reader's language."""

    sponsor = models.ForeignKey(
        Sponsor, on_delete=models.CASCADE, related_name="matches", verbose_name=_("sponsor")
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="matches", verbose_name=_("initiative")
    )
    score = models.FloatField(_("score"))
    explanation = models.JSONField(_("explanation"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta(TenantModel.Meta):
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["sponsor", "initiative"], name="match_once_per_pair")
        ]
        indexes = [
            models.Index(fields=["sponsor", "-score"], name="match_sponsor_idx"),
            models.Index(fields=["initiative", "-score"], name="match_initiative_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor} ↔ {self.initiative} ({self.score:.2f})"
