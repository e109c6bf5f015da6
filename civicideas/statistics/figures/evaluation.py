"""Evaluation per challenge: ideas evaluated, and the evaluators'
agreement (Krippendorff's alpha, computed by ``evaluation.aggregation``
exactly as the ranking page shows it — not re-implemented here)."""

from __future__ import annotations

from typing import Any

from civicideas.statistics.figures import rows
from evaluation.aggregation import challenge_alpha
from evaluation.models import ChallengeEvaluation

_SQL = """
SELECT a.challenge_id AS key, count(DISTINCT a.idea_id) AS evaluated,
       count(*) AS scorecards
  FROM evaluation_assignment a
  JOIN evaluation_scorecard sc ON sc.assignment_id = a.id AND sc.state = %(submitted)s
 WHERE a.city_id = %(city)s
 GROUP BY a.challenge_id
"""


def by_challenge(city_id: int) -> dict[int, dict[str, Any]]:
    """Challenge id → ``{evaluated, scorecards, alpha, pairable}``: ideas
    with at least one submitted scorecard, and alpha over them (``None``
    when undefined: fewer than two pairable scores, or no rubric). One query
    for the counts, one per evaluated challenge for alpha."""
    counts = {row["key"]: row for row in rows(_SQL, {"city": city_id, "submitted": "submitted"})}
    result: dict[int, dict[str, Any]] = {}
    settings = ChallengeEvaluation.objects.filter(
        challenge_id__in=list(counts), rubric__isnull=False
    ).select_related("rubric")
    alphas = {s.challenge_id: challenge_alpha(s) for s in settings}
    for challenge_id, row in counts.items():
        alpha, pairable = alphas.get(challenge_id, (None, 0))
        result[challenge_id] = {
            "evaluated": row["evaluated"],
            "scorecards": row["scorecards"],
            "alpha": None if alpha is None else round(alpha, 3),
            "pairable": pairable,
        }
    return result
