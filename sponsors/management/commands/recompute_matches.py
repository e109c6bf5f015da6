"""``manage.py recompute_matches [--city slug]``: full match recompute with progress."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicideas.tenancy.models import City
from sponsors import matching


class Command(BaseCommand):
    help = "Recompute the precomputed sponsor ↔ initiative matches of one city or all cities."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--city", help="slug of the city (default: every city)")
        parser.add_argument("--batch-size", type=int, default=matching.BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        cities = City.objects.all()
        if options["city"]:
            cities = cities.filter(slug=options["city"])
            if not cities.exists():
                raise CommandError(f"No city with slug {options['city']!r}.")
        for city in cities.order_by("slug"):
            started = time.monotonic()
            written = matching.recompute_all(
                city, progress=self._progress(city.slug), batch_size=options["batch_size"]
            )
            self.stdout.write(
                f"\n{city.slug}: {written} matches in {time.monotonic() - started:.1f} s"
            )

    def _progress(self, slug: str):
        def report(done: int, total: int) -> None:
            width = 30
            filled = int(width * done / total) if total else width
            self.stdout.write(
                f"\r{slug} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} sponsors",
                ending="",
            )
            self.stdout.flush()

        return report
