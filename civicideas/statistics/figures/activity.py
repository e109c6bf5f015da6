# ruff: noqa: S608 - SQL built from module constants and vetted column names; values are bound.
"""Participation: ideas, supports, comments and distinct people per month,
ideas per challenge, and participation per district.

Definitions (docs/statistics.md):

* *ideas received* — ideas submitted (``created_at``) in the month, whatever
  happened to them since except withdrawal by their author;
* *supports*, *comments* — created in the month (comments deleted by their
  author are left out; comments hidden by moderation still count: someone
  took part);
* *participants* — distinct people who submitted an idea, supported or
  commented in the month; counts only, never who.
"""

from __future__ import annotations

from typing import Any

from civicideas.statistics.figures import rows
from civicideas.statistics.window import Window
from ideas.status import IdeaStatus

#: The events that make someone a participant on an idea of a district
#: (the monthly figures read the same events without the join with ideas).
_DISTRICT_EVENTS = """
events AS (
    SELECT i.author_id AS user_id, i.district_id
      FROM ideas_idea i
     WHERE i.city_id = %(city)s AND i.created_at >= %(since)s AND i.status <> %(withdrawn)s
       AND i.district_id IS NOT NULL
    UNION ALL
    SELECT s.user_id, i.district_id
      FROM ideas_support s JOIN ideas_idea i ON i.id = s.idea_id
     WHERE s.city_id = %(city)s AND s.created_at >= %(since)s AND i.district_id IS NOT NULL
    UNION ALL
    SELECT c.author_id, i.district_id
      FROM ideas_comment c JOIN ideas_idea i ON i.id = c.idea_id
     WHERE c.city_id = %(city)s AND c.created_at >= %(since)s AND c.state <> %(deleted)s
       AND i.district_id IS NOT NULL
)"""

_MONTHS = """
months AS (
    SELECT generate_series(%(first_month)s::date, %(last_month)s::date, interval '1 month')::date
           AS month
)"""


def _params(city_id: int, window: Window) -> dict[str, Any]:
    return {
        **window.params(),
        "city": city_id,
        "withdrawn": IdeaStatus.WITHDRAWN.value,
        "deleted": "deleted",
    }


def monthly(city_id: int, window: Window) -> list[dict[str, Any]]:
    """Per month of the window (empty months as zero): ideas, supports,
    comments received and distinct participants.

    One pass over the events: each is put in its month once (``width_bucket``
    over the months' first instants, a binary search, rather than a time
    zone conversion per row), people are de-duplicated per month by hashing
    (``GROUP BY month, user_id``) rather than sorting for ``count(DISTINCT)``.
    """
    sql = f"""
WITH {_MONTHS},
bounds AS (
    SELECT array_agg((month::timestamp AT TIME ZONE %(tz)s) ORDER BY month) AS starts
      FROM months
),
tagged AS (
    SELECT width_bucket(e.at, b.starts) AS bucket, e.kind, e.user_id
      FROM (
        SELECT 1 AS kind, author_id AS user_id, created_at AS at
          FROM ideas_idea
         WHERE city_id = %(city)s AND created_at >= %(since)s AND status <> %(withdrawn)s
        UNION ALL
        SELECT 2, user_id, created_at FROM ideas_support
         WHERE city_id = %(city)s AND created_at >= %(since)s
        UNION ALL
        SELECT 3, author_id, created_at FROM ideas_comment
         WHERE city_id = %(city)s AND created_at >= %(since)s AND state <> %(deleted)s
      ) e CROSS JOIN bounds b
),
counts AS (
    SELECT bucket, count(*) FILTER (WHERE kind = 1) AS ideas,
           count(*) FILTER (WHERE kind = 2) AS supports,
           count(*) FILTER (WHERE kind = 3) AS comments
      FROM tagged GROUP BY bucket
),
people AS (
    SELECT bucket, count(*) AS n
      FROM (SELECT bucket, user_id FROM tagged GROUP BY bucket, user_id) d
     GROUP BY bucket
)
SELECT m.month, COALESCE(c.ideas, 0) AS ideas, COALESCE(c.supports, 0) AS supports,
       COALESCE(c.comments, 0) AS comments, COALESCE(p.n, 0) AS participants
  FROM (SELECT month, row_number() OVER (ORDER BY month) AS bucket FROM months) m
  LEFT JOIN counts c USING (bucket)
  LEFT JOIN people p USING (bucket)
 ORDER BY m.month"""
    return rows(sql, _params(city_id, window))


def ideas_by(column: str, city_id: int, window: Window) -> list[dict[str, Any]]:
    """Ideas received in the window, split by one column of ``ideas_idea``
    (``challenge_id``, ``category_id``; ``channel`` once ideas have one):
    ``[{"key": value, "ideas": n}]``, largest first. ``column`` is a name
    from the code, never from a request."""
    if column not in {"challenge_id", "category_id", "district_id", "channel"}:
        raise ValueError(column)
    sql = f"""
SELECT {column} AS key, count(*) AS ideas
  FROM ideas_idea
 WHERE city_id = %(city)s AND created_at >= %(since)s AND status <> %(withdrawn)s
 GROUP BY {column}
 ORDER BY ideas DESC, key"""
    return rows(sql, _params(city_id, window))


def by_district(city_id: int, window: Window) -> list[dict[str, Any]]:
    """Per district of the city (none left out, so a district nobody
    reached shows as zero): ideas received in the window, distinct
    participants (on ideas filed under it) and, when the city gives the
    district's population, participants per 1,000 inhabitants."""
    sql = f"""
WITH {_DISTRICT_EVENTS},
people AS (
    SELECT district_id, count(DISTINCT user_id) AS participants
      FROM events GROUP BY district_id
),
ideas AS (
    SELECT district_id, count(*) AS n FROM ideas_idea
     WHERE city_id = %(city)s AND created_at >= %(since)s AND status <> %(withdrawn)s
       AND district_id IS NOT NULL
     GROUP BY district_id
)
SELECT d.id AS key, d.population, COALESCE(i.n, 0) AS ideas,
       COALESCE(p.participants, 0) AS participants,
       CASE WHEN d.population > 0
            THEN round(1000.0 * COALESCE(p.participants, 0) / d.population, 2) END
           AS per_1000
  FROM ideas_district d
  LEFT JOIN ideas i ON i.district_id = d.id
  LEFT JOIN people p ON p.district_id = d.id
 WHERE d.city_id = %(city)s
 ORDER BY d.name, d.id"""
    return rows(sql, _params(city_id, window))
