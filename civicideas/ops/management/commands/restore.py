"""``manage.py restore DIR [--database NAME] [--no-media]``: a backup made by
``manage.py backup`` into an empty database (civicideas.ops.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicideas.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty (or new) database through DATABASE_ADMIN_URL, "
        "check the row counts against its manifest, then copy its uploads into the storage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="directory written by manage.py backup")
        parser.add_argument(
            "--database",
            help="database to restore into (default: the one in DATABASE_URL); "
            "created if missing, refused if it holds any table",
        )
        parser.add_argument("--no-media", action="store_true", help="restore the database only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(
                source=options["source"],
                database=options.get("database"),
                media=not options["no_media"],
            )
        except BackupError as error:
            raise CommandError(error.message) from error
        rows = sum(summary.tables.values())
        self.stdout.write(
            f"Restored {len(summary.tables)} tables ({rows} rows, as in the manifest) into "
            f"{summary.database}; {summary.media_restored} files restored, "
            f"{summary.media_already_present} already present."
        )
