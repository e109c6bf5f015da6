"""Sponsors' offers to meet an initiative's needs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicideas.concurrency import Versioned
from civicideas.tenancy.models import TenantModel
from sponsors.models.common import QTY, QUANTITY_MAX
from sponsors.models.initiatives import Initiative, Need
from sponsors.models.sponsors import Sponsor


class Offer(Versioned, TenantModel):
    class State(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Empty for a resident offering their own time on a volunteers need
    # (``made_by`` is then the volunteer; ``rules.PERSONAL_OFFER_KINDS``).
    sponsor = models.ForeignKey(
        Sponsor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("sponsor"),
    )
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, related_name="offers", verbose_name=_("need")
    )
    # Denormalised from the need: the group's inbox lists offers by initiative.
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="offers", verbose_name=_("initiative")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    message = models.TextField(_("message"), max_length=2_000, blank=True)
    conditions = models.TextField(_("conditions"), max_length=2_000, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.OFFERED
    )
    accepted_quantity = models.DecimalField(
        _("accepted quantity"), default=Decimal(0), editable=False, **QTY
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("offered by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity__lte=QUANTITY_MAX),
                name="offer_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(accepted_quantity__gte=0) & Q(accepted_quantity__lte=F("quantity")),
                name="offer_accepted_within_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["sponsor", "-created_at"], name="offer_sponsor_idx"),
            models.Index(fields=["initiative", "state"], name="offer_initiative_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor or self.made_by} → {self.need}"

    @property
    def is_personal(self) -> bool:
        """Offered by a resident in their own name, not by a sponsor."""
        return self.sponsor_id is None
