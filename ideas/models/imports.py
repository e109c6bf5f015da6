"""Bulk imports of ideas collected off-line (docs/offline.md, "Bulk import")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from ideas.models.challenges import Challenge
from ideas.models.ideas import Channel, Idea


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWED = "previewed", _("Checked (dry run)")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ImportBatch(TenantModel):
    """One uploaded file of ideas from a workshop or a paper campaign.

    ``rows`` holds the file's cells as plain strings (never formulas), read
    once at upload, so the dry run and the import read the same data and
    the file itself is not kept. ``mapping`` says which column is which
    field; ``report`` holds the dry run's errors and warnings per row;
    ``errors`` the rows the real import refused.
    """

    challenge = models.ForeignKey(
        Challenge, on_delete=models.PROTECT, related_name="+", verbose_name=_("challenge")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    channel_date = models.DateField(_("given on"))
    language = models.CharField(_("language"), max_length=10)
    file_name = models.CharField(_("file name"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    headers = models.JSONField(_("column headers"), default=list)
    rows = models.JSONField(_("row data"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    report = models.JSONField(_("import report"), default=list)
    errors = models.JSONField(_("errors"), default=list)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("ideas created"), default=0)
    skipped_count = models.PositiveIntegerField(_("already imported"), default=0)
    error_count = models.PositiveIntegerField(_("rows refused"), default=0)

    class Meta(TenantModel.Meta):
        verbose_name = _("idea import")
        verbose_name_plural = _("idea imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


class ImportedIdea(TenantModel):
    """An idea a batch created, under the fingerprint of its row.

    The fingerprint hashes the row's mapped content and the challenge, so
    importing the same file again (or a file repeating rows) finds the idea
    already there; unique per city.
    """

    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.CASCADE,
        related_name="imported",
        verbose_name=_("idea import"),
    )
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="+", verbose_name=_("idea")
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    row_number = models.PositiveIntegerField(_("row number"))

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["city", "fingerprint"], name="importedidea_once")
        ]
        indexes = [models.Index(fields=["batch"], name="importedidea_batch_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"
