"""Running a bulk import (docs/offline.md, "Bulk import"): the body of the
``ideas.import_batch`` task, a chunk of rows per run, each row through
``idea_submit`` like an on-line idea.

``ideas.services.imports`` (upload, dry run, start, undo) queues the task;
the task calls ``import_batch_run`` here, which knows no task.

Lock order: the batch, then each idea (``idea_submit``'s own locks).
"""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.errors import ServiceError
from ideas.importing.rows import RowChecker, fingerprint
from ideas.models import ImportBatch, ImportedIdea, ImportStatus
from ideas.services.submission import idea_submit

logger = logging.getLogger(__name__)

#: Rows per task run: each run commits, so the page shows progress.
CHUNK = 100


def _import_row(batch: ImportBatch, checker: RowChecker, row: list[str], number: int) -> str:
    """Create one row's idea; "created", "already" or "error"."""
    check = checker.check(row, number, similar=False)
    if check.errors:
        batch.errors.append({"number": number, "errors": check.errors})
        return "error"
    if check.already_imported:
        return "already"
    values = check.values
    try:
        with transaction.atomic():
            idea = idea_submit(
                author=None,
                entered_by=batch.created_by,
                challenge=batch.challenge,
                title=values["title"],
                body=values["body"],
                language=batch.language,
                category=values["category"],
                district=values["district"],
                channel=batch.channel,
                channel_date=batch.channel_date,
                consent_to_publish=True,
                invite_email=values["email"],
                submission_token=uuid.uuid5(uuid.NAMESPACE_URL, f"import:{batch.pk}:{number}"),
            )
            ImportedIdea.objects.create(
                city=batch.city,
                batch=batch,
                idea=idea,
                fingerprint=check.fingerprint,
                row_number=number,
            )
    except IntegrityError:
        # Another batch imported the same row meanwhile.
        return "already"
    except ServiceError as error:
        batch.errors.append({"number": number, "errors": [error.message]})
        return "error"
    return "created"


@transaction.atomic
def import_batch_run(*, batch_id: int, limit: int | None = CHUNK) -> bool:
    """Import the next ``limit`` rows (all with ``None``); True when rows
    remain. Safe to run twice: the batch row lock serialises runs and
    ``processed`` says where to go on."""
    batch = ImportBatch.objects.select_for_update().select_related("challenge").get(pk=batch_id)
    if batch.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return False
    batch.status = ImportStatus.RUNNING
    checker = RowChecker(challenge=batch.challenge, mapping=batch.mapping)
    # Duplicates within the file are found again from the rows before.
    for number, row in enumerate(batch.rows[: batch.processed], start=2):
        checker.seen.setdefault(fingerprint(challenge=batch.challenge, row=row), number)
    end = batch.row_count if limit is None else min(batch.row_count, batch.processed + limit)
    checker.load_imported(batch.rows[batch.processed : end])
    counts = {"created": 0, "already": 0, "error": 0}
    errors_before = list(batch.errors)
    try:
        with transaction.atomic():
            for index in range(batch.processed, end):
                counts[_import_row(batch, checker, batch.rows[index], index + 2)] += 1
    except Exception:
        # A bug, not a bad row (those are reported per row): the chunk is
        # rolled back and the page says the import failed instead of
        # polling for ever.
        logger.exception("Import batch %s failed", batch.pk)
        batch.errors = [*errors_before, {"number": 0, "errors": [_("The import failed.")]}]
        batch.status = ImportStatus.FAILED
        batch.finished_at = timezone.now()
        batch.save()
        return False
    batch.processed = end
    batch.created_count += counts["created"]
    batch.skipped_count += counts["already"]
    batch.error_count += counts["error"]
    more = end < batch.row_count
    if not more:
        batch.status = ImportStatus.DONE
        batch.finished_at = timezone.now()
        # The file's cells (e-mail addresses among them) are not kept once
        # imported: the ideas, the fingerprints and the report remain.
        batch.rows = []
    batch.save()
    return more
