"""The last computed statistics of each city, kept in PostgreSQL.

The cache (``store``) is the fast path; this row is what survives a flushed
cache or a restart, so a page view reads one indexed row instead of
computing (docs/statistics.md, "Storage").
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel


class StatisticsSnapshot(TenantModel):
    """One row per city: the payload of ``compute.statistics_compute``,
    encoded by ``codec.encode`` (JSON with explicit types, so dates and
    integer keys round-trip exactly). Counts and names only: no personal
    data, so nothing here changes on a person's erasure beyond what the
    next refresh recounts."""

    payload = models.JSONField(_("figures"))
    #: ``compute.VERSION`` of the payload: a row of another version is not read.
    version = models.PositiveSmallIntegerField(_("version"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta(TenantModel.Meta):
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")
        constraints = [
            models.UniqueConstraint(fields=["city"], name="statistics_snapshot_one_per_city")
        ]

    def __str__(self) -> str:
        return f"{self.city_id} v{self.version} {self.computed_at:%Y-%m-%d %H:%M}"
