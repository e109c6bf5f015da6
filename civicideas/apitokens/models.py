"""API tokens: a secret that authenticates one person in one city.

Only a SHA-256 hash of the token is stored; the raw value is shown once,
when it is issued. The token is a tenant row, so the scoped manager and the
row-level security policy make a token issued on one city's host simply
not exist on another's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel


class ApiToken(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    # SHA-256 of the raw token (hex). The raw token has 256 bits of entropy,
    # so a fast hash is enough: there is nothing to brute-force.
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    # The first characters of the raw token, to recognise it in a list.
    key_prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta(TenantModel.Meta):
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_idx")]

    def __str__(self) -> str:
        return f"{self.key_prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
