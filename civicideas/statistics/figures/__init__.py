"""The statistics' figures, each computed by SQL aggregates (``GROUP BY``,
``FILTER``, ``percentile_cont``, months from ``generate_series``) in one
query per figure: the work grows with the city's rows, but the number of
queries does not, and no row is looped over in Python.

Every query names the city explicitly (``city_id = %(city)s``) and runs
inside that city's context, so row-level security holds as well.
"""

from __future__ import annotations

from typing import Any

from django.db import connection


def rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``sql``'s rows as dicts (column name → value)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def days(value: Any) -> float | None:
    """A percentile in days, rounded to a tenth (``None`` when undefined)."""
    return None if value is None else round(float(value), 1)
