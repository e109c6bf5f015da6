"""Send this period's digests now, without waiting for beat.

Beat runs the digests hourly (``notifications.digests``); an operator who
fixed a mail outage, or someone trying the demo, can run them at once. It is
the same code path and the same claim (``DigestRun``), so it never sends a
person a second digest for a period that beat already sent.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicideas.notifications import digests
from civicideas.notifications.models import Channel
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City


class Command(BaseCommand):
    help = "Send the current daily and weekly digests of every active city (or one) now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help="the city's slug (default: every active city)")
        parser.add_argument(
            "--period",
            choices=[Channel.DAILY.value, Channel.WEEKLY.value],
            help="one period only (default: both)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cities = City.objects.active().order_by("slug")
        if options["city"]:
            cities = cities.filter(slug=options["city"])
            if not cities.exists():
                raise CommandError(f"No active city with the slug {options['city']!r}.")
        periods = [options["period"]] if options["period"] else [Channel.DAILY, Channel.WEEKLY]
        for city in cities:
            for period in periods:
                sent = self._send(city, str(period))
                self.stdout.write(f"{city.slug}: {sent} {period} digest(s) sent")

    def _send(self, city: City, period: str) -> int:
        key = digests.period_key(period)
        with city_context(city):
            batches = digests.waiting_batches(period)
        sent = 0
        for batch in batches:
            # One transaction per batch, as the Celery task does.
            with city_context(city):
                sent += digests.build_digests(period=period, key=key, user_ids=batch).sent
        return sent
