"""An invitation to claim an idea that staff typed in for someone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from ideas.models.ideas import Idea


class IdeaInvitation(TenantModel):
    """Staff entered ``idea`` for the person at ``email``; the signed link
    sent there (``ideas.offline.claim_token``) lets them sign in or up with
    that address and become its author (``ideas.services.offline``).

    ``nonce`` is part of the signed token, so a link only works for the row
    it was made for; ``claimed_at`` makes it single-use.
    """

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("idea")
    )
    email = models.EmailField(_("e-mail address"))
    nonce = models.CharField(_("link code"), max_length=32, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimed by"),
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("invitation to claim an idea")
        verbose_name_plural = _("invitations to claim an idea")
        indexes = [models.Index(fields=["idea"], name="ideainvitation_idea_idx")]

    def __str__(self) -> str:
        return f"{self.email} → {self.idea}"

    @property
    def is_open(self) -> bool:
        return self.claimed_at is None and self.expires_at > timezone.now()
