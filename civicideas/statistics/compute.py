"""All of a city's statistics in one payload: what the store keeps.

The payload holds numbers, dates and the names of the city's challenges,
categories, departments and districts in every language they are written
in (so a page in any language needs no query for them); it holds no
person's name, e-mail or id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from civicideas.content.translations import all_languages
from civicideas.statistics.figures import activity, answers, evaluation, outcomes
from civicideas.statistics.window import window_for
from civicideas.tenancy.models import City
from ideas.models import Category, Challenge, Department, District

WORK_MEM = "64MB"

#: Raised when the payload's shape changes, so old stored payloads are ignored.
VERSION = 2  # 2: ideas by channel


def _names(rows: Any, field: str) -> dict[int, dict[str, str]]:
    return {obj.pk: all_languages(obj, field) for obj in rows}


def statistics_compute(*, city: City, now: datetime | None = None) -> dict[str, Any]:
    """Compute every figure of ``city`` (call inside the city's context).
    About ten queries whatever the city's size (plus one per challenge with
    submitted scorecards, for alpha)."""
    now = now or timezone.now()
    window = window_for(city.time_zone, now)
    # Distinct participants sort a few hundred thousand rows at 100,000
    # ideas: in memory rather than on disk (for this transaction only; the
    # request and the beat task each run in one).
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
    # Draft challenges are nobody's business yet: neither named nor counted.
    challenges = _names(Challenge.objects.public(), "title")
    per_challenge = {
        row["key"]: row["ideas"] for row in activity.ideas_by("challenge_id", city.pk, window)
    }
    evaluated = evaluation.by_challenge(city.pk)
    challenge_rows = [
        {
            "key": pk,
            "ideas": per_challenge.get(pk, 0),
            **evaluated.get(pk, {"evaluated": 0, "scorecards": 0, "alpha": None, "pairable": 0}),
        }
        for pk in challenges
        if pk in per_challenge or pk in evaluated
    ]
    challenge_rows.sort(key=lambda row: (-row["ideas"], row["key"]))
    districts = activity.by_district(city.pk, window)
    for row in districts:
        row["per_1000"] = None if row["per_1000"] is None else float(row["per_1000"])
    return {
        "version": VERSION,
        "computed_at": now,
        "first_month": window.first_month,
        "last_month": window.last_month,
        "months": activity.monthly(city.pk, window),
        "challenges": challenge_rows,
        "answers": answers.answers(city.pk, window),
        "outcomes": outcomes.outcomes(city.pk, city.time_zone, window.today),
        "districts": districts,
        # On-line and off-line (paper, workshop, phone, ...): who takes part where.
        "channels": activity.ideas_by("channel", city.pk, window),
        "names": {
            "challenge": challenges,
            "category": _names(Category.objects.all(), "name"),
            "department": _names(Department.objects.all(), "name"),
            "district": _names(District.objects.all(), "name"),
        },
    }
