"""What became of the ideas, and of the projects that carry them out.

Definitions (docs/statistics.md):

* *accepted* — public ideas the city accepted, counted by their current
  status: accepted, in progress or implemented (an implemented idea was
  accepted first);
* *rejected* — public ideas now "not retained"; *with a reason* when the
  latest official answer that rejected it carries a public message;
* *implemented* — public ideas now implemented;
* *days from acceptance to done* — for implemented ideas: from the first
  status change to accepted to the earliest actual end of a done project
  carrying the idea out, or else to the first change to implemented;
  median by ``percentile_cont(0.5)``;
* *projects on time / late* — public projects with a planned end, not
  stopped: ``ProjectQuerySet.late`` is late (running past the planned end,
  or done after it); the others are on time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q

from civicideas.statistics.figures import days, rows
from ideas.status import PUBLIC_STATUS_LIST, IdeaStatus
from projects.models import Project
from projects.status import ProjectStatus

S = IdeaStatus

_SQL = """
WITH public_ideas AS (
    SELECT id, status FROM ideas_idea
     WHERE city_id = %(city)s AND status = ANY(%(public)s)
),
last_rejection AS (
    SELECT DISTINCT ON (idea_id) idea_id, btrim(message) <> '' AS has_reason
      FROM ideas_statuschange
     WHERE city_id = %(city)s AND to_status = %(rejected)s AND is_official AND is_public
     ORDER BY idea_id, created_at DESC, id DESC
),
accepted_at AS (
    SELECT idea_id, min(created_at) AS at FROM ideas_statuschange
     WHERE city_id = %(city)s AND to_status = %(accepted)s GROUP BY idea_id
),
implemented_at AS (
    SELECT idea_id, min(created_at) AS at FROM ideas_statuschange
     WHERE city_id = %(city)s AND to_status = %(implemented)s GROUP BY idea_id
),
project_done AS (
    SELECT pi.idea_id, min(p.actual_end) AS on_day
      FROM projects_projectidea pi JOIN projects_project p ON p.id = pi.project_id
     WHERE pi.city_id = %(city)s AND p.status = %(done)s AND p.actual_end IS NOT NULL
     GROUP BY pi.idea_id
),
lead AS (
    SELECT GREATEST(0, EXTRACT(EPOCH FROM (
               COALESCE((pd.on_day::timestamp AT TIME ZONE %(tz)s), im.at) - ac.at
           )) / 86400.0) AS days
      FROM public_ideas i
      JOIN accepted_at ac ON ac.idea_id = i.id
      LEFT JOIN implemented_at im ON im.idea_id = i.id
      LEFT JOIN project_done pd ON pd.idea_id = i.id
     WHERE i.status = %(implemented)s
       -- GREATEST ignores NULLs: an idea with no known end stays out.
       AND (pd.on_day IS NOT NULL OR im.at IS NOT NULL)
)
SELECT count(*) FILTER (WHERE status = ANY(%(accepted_like)s)) AS accepted,
       count(*) FILTER (WHERE status = %(rejected)s) AS rejected,
       count(*) FILTER (WHERE status = %(rejected)s AND lr.has_reason) AS rejected_with_reason,
       count(*) FILTER (WHERE status = %(implemented)s) AS implemented,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FROM lead)
           AS median_days_to_done,
       (SELECT count(days) FROM lead) AS done_measured
  FROM public_ideas i LEFT JOIN last_rejection lr ON lr.idea_id = i.id
"""


def outcomes(city_id: int, time_zone: str, today: date) -> dict[str, Any]:
    """Idea outcomes (one query) and the public projects by status and
    punctuality (one query, through ``ProjectQuerySet.late``)."""
    params = {
        "city": city_id,
        "tz": time_zone,
        "public": list(PUBLIC_STATUS_LIST),
        "accepted_like": [S.ACCEPTED.value, S.IN_PROGRESS.value, S.IMPLEMENTED.value],
        "accepted": S.ACCEPTED.value,
        "rejected": S.REJECTED.value,
        "implemented": S.IMPLEMENTED.value,
        "done": ProjectStatus.DONE.value,
    }
    ideas = rows(_SQL, params)[0]
    ideas["median_days_to_done"] = days(ideas["median_days_to_done"])
    return {"ideas": ideas, "projects": projects(today)}


def projects(today: date) -> dict[str, int]:
    """The current city's public projects by status, and those with a
    planned end split into on time and late (the rule is
    ``ProjectQuerySet.late``; this only counts it)."""
    public = Project.objects.public()
    late = Q(pk__in=public.late(today).values("pk"))
    # A stopped project is neither on time nor late.
    dated = Q(planned_end__isnull=False) & ~Q(status=ProjectStatus.STOPPED)
    counts = public.aggregate(
        total=Count("pk"),
        **{status.value: Count("pk", filter=Q(status=status)) for status in ProjectStatus},
        late=Count("pk", filter=dated & late),
        on_time=Count("pk", filter=dated & ~late),
    )
    return {key: int(value) for key, value in counts.items()}
