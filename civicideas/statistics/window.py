"""The statistics' time window: the last twelve calendar months in the
city's time zone, the current month included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

MONTHS = 12


@dataclass(frozen=True)
class Window:
    tz: str
    first_month: date  # the 1st of the oldest month shown
    last_month: date  # the 1st of the current month
    since: datetime  # first_month's midnight in the city's time zone
    today: date  # in the city's time zone

    def params(self) -> dict:
        return {
            "tz": self.tz,
            "first_month": self.first_month,
            "last_month": self.last_month,
            "since": self.since,
        }


def window_for(time_zone: str, now: datetime | None = None) -> Window:
    """The window ending with the month of ``now`` (default: now)."""
    zone = ZoneInfo(time_zone)
    local = (now or timezone.now()).astimezone(zone)
    last = local.date().replace(day=1)
    months = last.year * 12 + last.month - 1 - (MONTHS - 1)
    first = date(months // 12, months % 12 + 1, 1)
    since = datetime(first.year, first.month, 1, tzinfo=zone)
    return Window(tz=time_zone, first_month=first, last_month=last, since=since, today=local.date())
