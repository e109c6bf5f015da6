"""How quickly the city answers: share of public ideas with an official
answer, and days from publication to the *first* official answer.

Definitions (docs/statistics.md):

* the ideas counted are the **public** ideas (``PUBLIC_STATUSES``) with a
  publication date, grouped by the month of ``published_at`` (city time),
  by category and by the category's department;
* an *official answer* is a public ``ideas.StatusChange`` with
  ``is_official``; the first one counts;
* *days* = (first answer - publication) in days (fractional), never below 0;
* median and 90th percentile are PostgreSQL's ``percentile_cont`` over the
  answered ideas (linear interpolation between the two nearest values;
  unanswered ideas are not in it, they lower the *share* instead); ``None``
  when no idea of the group has an answer.
"""

from __future__ import annotations

from typing import Any

from civicideas.statistics.figures import days, rows
from civicideas.statistics.window import Window
from ideas.status import PUBLIC_STATUS_LIST

_SQL = """
WITH first_answer AS (
    SELECT idea_id, min(created_at) AS at
      FROM ideas_statuschange
     WHERE city_id = %(city)s AND is_official AND is_public
     GROUP BY idea_id
),
base AS (
    SELECT date_trunc('month', i.published_at AT TIME ZONE %(tz)s)::date AS month,
           i.category_id, c.department_id,
           -- GREATEST ignores NULLs: an unanswered idea must stay NULL, not 0.
           CASE WHEN fa.at IS NOT NULL
                THEN GREATEST(0, EXTRACT(EPOCH FROM (fa.at - i.published_at)) / 86400.0)
           END AS days
      FROM ideas_idea i
      LEFT JOIN ideas_category c ON c.id = i.category_id
      LEFT JOIN first_answer fa ON fa.idea_id = i.id
     WHERE i.city_id = %(city)s AND i.status = ANY(%(public)s) AND i.published_at IS NOT NULL
),
grouped AS (
    SELECT GROUPING(month, category_id, department_id) AS g,
           month, category_id, department_id,
           count(*) AS public, count(days) AS answered,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90
      FROM base
     GROUP BY GROUPING SETS ((), (month), (category_id), (department_id))
),
months AS (
    SELECT generate_series(%(first_month)s::date, %(last_month)s::date, interval '1 month')::date
           AS month
)
SELECT 'month' AS dimension, m.month, NULL::bigint AS category_id,
       NULL::bigint AS department_id, COALESCE(g.public, 0) AS public,
       COALESCE(g.answered, 0) AS answered, g.median, g.p90
  FROM months m LEFT JOIN grouped g ON g.g = 3 AND g.month = m.month
UNION ALL
SELECT CASE g WHEN 7 THEN 'all' WHEN 5 THEN 'category' ELSE 'department' END,
       NULL, category_id, department_id, public, answered, median, p90
  FROM grouped WHERE g IN (5, 6, 7)
 ORDER BY 1, 2, 3 NULLS LAST, 4 NULLS LAST
"""
# GROUPING(month, category_id, department_id) is a bit mask with a 1 for
# each column the row is *not* grouped on, the first column highest:
# () → 7, (month) → 3, (category_id) → 5, (department_id) → 6.


def _row(row: dict[str, Any]) -> dict[str, Any]:
    public, answered = row["public"], row["answered"]
    return {
        "key": row["key"],
        "public": public,
        "answered": answered,
        "share": round(answered / public, 4) if public else None,
        "median_days": days(row["median"]),
        "p90_days": days(row["p90"]),
    }


def answers(city_id: int, window: Window) -> dict[str, Any]:
    """``{"all": {...}, "months": [...], "categories": [...], "departments": [...]}``
    in one query, each row ``{key, public, answered, share, median_days,
    p90_days}``; the months cover the window, empty ones as zero; a
    category (department) key of ``None`` gathers the ideas without one."""
    params = {**window.params(), "city": city_id, "public": list(PUBLIC_STATUS_LIST)}
    result: dict[str, Any] = {"all": None, "months": [], "categories": [], "departments": []}
    for row in rows(_SQL, params):
        dimension = row["dimension"]
        if dimension == "all":
            result["all"] = _row({**row, "key": None})
        elif dimension == "month":
            result["months"].append(_row({**row, "key": row["month"]}))
        elif dimension == "category":
            result["categories"].append(_row({**row, "key": row["category_id"]}))
        else:
            result["departments"].append(_row({**row, "key": row["department_id"]}))
    if result["all"] is None:  # no public idea at all: GROUPING SETS gives no () row
        result["all"] = _row({"key": None, "public": 0, "answered": 0, "median": None, "p90": None})
    return result
