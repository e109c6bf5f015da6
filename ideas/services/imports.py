"""Bulk import of ideas collected off-line (docs/offline.md, "Bulk import").

Upload (the file is read once into ``ImportBatch.rows``), dry run
(``import_batch_check``: nothing but the batch's report is written), start
(``import_batch_start`` queues ``ideas.import_batch``), run (the task calls
``ideas.services.import_run.import_batch_run``: a chunk of rows per task,
each row through ``idea_submit`` like an on-line idea) and undo
(``import_batch_undo``).

Lock order: the batch, then each idea (``idea_submit``'s own locks).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy.context import current_city
from ideas import rules, tasks
from ideas.importing.reader import read_table
from ideas.importing.rows import RowChecker, clean_mapping, guess_mapping
from ideas.models import (
    Challenge,
    Channel,
    Comment,
    Idea,
    ImportBatch,
    ImportStatus,
    Support,
)
from ideas.services.common import _locked, _mark_changed, _record_status
from ideas.services.submission import OLDEST_CHANNEL_DATE
from ideas.status import IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User

#: Rows of a dry run checked against existing ideas (``similar_ideas``,
#: ~25 ms a row here): 200 rows keep the dry run request under ~6 s; the
#: rest are still checked for every error (docs/offline.md).
SIMILAR_CHECK_MAX = 200
#: How long an import can be undone.
UNDO_WINDOW = timedelta(hours=24)


def _check_staff(by: User, challenge: Challenge) -> None:
    if not rules.can_enter_idea_for_someone(by, challenge):
        raise NotAllowed(_("You may not enter ideas for this challenge."))


def _locked_batch(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def import_batch_upload(
    *,
    by: User,
    challenge: Challenge,
    channel: str,
    channel_date: date,
    language: str,
    file_name: str,
    data: bytes,
) -> ImportBatch:
    """Read an uploaded file and keep its rows for the dry run. Refuses a
    file that is too large, too long, empty, not UTF-8 or not a spreadsheet
    (``ideas.importing.reader``)."""
    _check_staff(by, challenge)
    if channel not in Channel.values or channel == Channel.WEB:
        raise InvalidInput(_("Choose how the ideas were given: paper, workshop, phone..."))
    today = timezone.localdate()
    if channel_date > today:
        raise InvalidInput(_("The date the idea was given cannot be in the future."))
    if channel_date < today - OLDEST_CHANNEL_DATE:
        raise InvalidInput(_("The date the idea was given is more than two years ago."))
    table = read_table(name=file_name, data=data)
    return ImportBatch.objects.create(
        city=current_city(),
        challenge=challenge,
        channel=channel,
        channel_date=channel_date,
        language=language,
        file_name=file_name[:255],
        created_by=by,
        headers=table.headers,
        rows=table.rows,
        mapping=guess_mapping(table.headers),
        row_count=len(table.rows),
    )


def _summary(report: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "ready": sum(1 for r in report if not r["errors"] and not r["already_imported"]),
        "errors": sum(1 for r in report if r["errors"]),
        "warnings": sum(1 for r in report if r["warnings"] and not r["errors"]),
        "already": sum(1 for r in report if r["already_imported"] and not r["errors"]),
    }


def batch_summary(batch: ImportBatch) -> dict[str, int]:
    """Counts of the dry run: rows ready, refused, with warnings, already imported."""
    return _summary(batch.report)


@transaction.atomic
def import_batch_check(*, batch: ImportBatch, by: User, mapping: dict[str, Any]) -> ImportBatch:
    """The dry run: check every row with ``mapping`` and keep the report.
    No idea is written."""
    batch = _locked_batch(batch)
    _check_staff(by, batch.challenge)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        raise InvalidInput(_("This import has already started."))
    batch.mapping = clean_mapping(mapping, len(batch.headers))
    checker = RowChecker(challenge=batch.challenge, mapping=batch.mapping)
    checker.load_imported(batch.rows)
    batch.report = [
        checker.check(row, number, similar=number - 2 < SIMILAR_CHECK_MAX).as_report()
        for number, row in enumerate(batch.rows, start=2)
    ]
    batch.status = ImportStatus.PREVIEWED
    batch.save(update_fields=["mapping", "report", "status"])
    return batch


@transaction.atomic
def import_batch_start(*, batch: ImportBatch, by: User) -> ImportBatch:
    """Queue the real import of a checked batch. Rows with errors are
    skipped; rows already imported are counted, not created again."""
    batch = _locked_batch(batch)
    _check_staff(by, batch.challenge)
    if batch.status != ImportStatus.PREVIEWED:
        raise InvalidInput(_("Check the file (dry run) before importing it."))
    batch.status = ImportStatus.QUEUED
    batch.save(update_fields=["status"])
    city_id = batch.city_id
    transaction.on_commit(lambda: tasks.import_batch.delay(city_id, batch.pk))
    return batch


def undo_refusal(batch: ImportBatch, *, now: Any = None) -> str:
    """Why this import can no longer be undone ("" when it can)."""
    if batch.status != ImportStatus.DONE or batch.finished_at is None:
        return _("Only a finished import can be undone.")
    if (now or timezone.now()) - batch.finished_at > UNDO_WINDOW:
        return _("An import can be undone during 24 hours only.")
    idea_ids = batch.imported.values("idea_id")
    if Support.objects.filter(idea_id__in=idea_ids).exists():
        return _("Some imported ideas have supports: withdraw them one by one instead.")
    if Comment.objects.filter(idea_id__in=idea_ids).exists():
        return _("Some imported ideas have comments: withdraw them one by one instead.")
    if Idea.objects.filter(pk__in=idea_ids, author__isnull=False).exists():
        return _("Some imported ideas were claimed by their authors: withdraw them one by one.")
    return ""


@transaction.atomic
def import_batch_undo(*, batch: ImportBatch, by: User) -> int:
    """Withdraw the ideas an import created, within 24 hours and while
    nobody has supported, commented or claimed them; their fingerprints
    are forgotten so a corrected file can be imported again. Returns the
    number of ideas withdrawn."""
    batch = _locked_batch(batch)
    _check_staff_any(by)
    refusal = undo_refusal(batch)
    if refusal:
        raise NotAllowed(refusal)
    withdrawn = 0
    for imported in batch.imported.select_related("idea").order_by("pk"):
        idea = _locked(imported.idea)
        if idea.status != IdeaStatus.WITHDRAWN:
            _record_status(idea, to=IdeaStatus.WITHDRAWN, by=by)
            idea.save(update_fields=["status"])
            _mark_changed(idea, by=by)
            withdrawn += 1
    batch.imported.all().delete()
    batch.status = ImportStatus.UNDONE
    batch.undone_at = timezone.now()
    batch.save(update_fields=["status", "undone_at"])
    return withdrawn


def _check_staff_any(by: User) -> None:
    if not rules.can_open_idea_entry(by):
        raise NotAllowed(_("You may not enter ideas for this challenge."))
