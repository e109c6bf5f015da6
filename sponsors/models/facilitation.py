"""The city's facilitation: introductions and the match fund with its pledges."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from sponsors.models.common import NAME_MAX, QTY
from sponsors.models.initiatives import Initiative
from sponsors.models.offers import Offer
from sponsors.models.sponsors import Sponsor


class Introduction(TenantModel):
    """A city facilitator puts a sponsor and an initiative in touch."""

    sponsor = models.ForeignKey(
        Sponsor, on_delete=models.CASCADE, related_name="introductions", verbose_name=_("sponsor")
    )
    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="introductions",
        verbose_name=_("initiative"),
    )
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("introduced by"),
    )
    message = models.TextField(_("message"), max_length=2_000, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sponsor", "initiative"], name="introduction_once_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sponsor} → {self.initiative}"


class MatchFund(TenantModel):
    """The city matches accepted funding offers ``ratio``:1, at most
    ``cap_per_initiative`` per initiative and ``total_budget`` in all.
    ``committed`` is the sum of its pledges, changed only under the fund's
    row lock; the CHECK keeps it within the budget whatever happens."""

    name = models.CharField(_("name"), max_length=NAME_MAX)
    ratio = models.DecimalField(
        _("ratio"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        help_text=_("EUR the city adds per EUR a sponsor gives (1 for 1:1)."),
    )
    cap_per_initiative = models.DecimalField(_("cap per initiative (EUR)"), **QTY)
    total_budget = models.DecimalField(_("total budget (EUR)"), **QTY)
    committed = models.DecimalField(_("committed (EUR)"), default=Decimal(0), editable=False, **QTY)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("match fund")
        verbose_name_plural = _("match funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("total_budget")),
                name="matchfund_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(ratio__gt=0) & Q(cap_per_initiative__gte=0) & Q(total_budget__gte=0),
                name="matchfund_positive",
            ),
            models.UniqueConstraint(
                fields=["city"], condition=Q(is_active=True), name="matchfund_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> Decimal:
        return self.total_budget - self.committed


class MatchPledge(TenantModel):
    fund = models.ForeignKey(
        MatchFund, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("match fund")
    )
    offer = models.OneToOneField(
        Offer, on_delete=models.PROTECT, related_name="match_pledge", verbose_name=_("offer")
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("initiative")
    )
    amount = models.DecimalField(_("amount (EUR)"), **QTY)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("match pledge")
        verbose_name_plural = _("match pledges")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="matchpledge_positive")
        ]
        indexes = [models.Index(fields=["fund", "initiative"], name="matchpledge_fund_idx")]

    def __str__(self) -> str:
        return f"{self.fund}: {self.amount} EUR → {self.initiative}"
