"""``manage.py backup [--output DIR]``: database and uploads, with a manifest
(civicideas.ops.backup, docs/operations.md "Backups and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicideas.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump through DATABASE_ADMIN_URL, so row-level "
        "security hides nothing) and every upload into a new directory with a manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="new directory for the backup (default: BACKUP_DIR/civicideas-<UTC time>)",
        )

    def handle(self, *args: Any, output: Path | None = None, **options: Any) -> None:
        try:
            summary = backup_create(output=output)
        except BackupError as error:
            raise CommandError(error.message) from error
        rows = sum(summary.tables.values())
        self.stdout.write(
            f"Backed up {len(summary.tables)} tables ({rows} rows) and "
            f"{summary.media_files} files to {summary.path}"
        )
