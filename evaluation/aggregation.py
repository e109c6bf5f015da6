"""Scores, calibration, agreement and ranking of a challenge, in SQL.

Everything is computed from the submitted scorecards by one statement per
question (no Python loop over rows), so a challenge of 5,000 ideas and
105,000 criterion scores ranks in well under a second. The definitions,
in the order the CTEs apply them (``docs/evaluation.md`` explains why):

* **scorecard score**: the weighted mean of its criteria on the rubric's
  scale. Each criterion score is first placed on 0-1 of its own scale, so
  criteria with other scales than the rubric's still mix correctly:
  ``rmin + (rmax - rmin) · Σ w·(s - min)/(max - min) / Σ w``.
* **calibration**: each evaluator's scorecard scores are z-standardised over
  the ideas they scored in the challenge and mapped back with the pooled
  mean and standard deviation of all scorecards of the challenge, then
  clamped to the scale. An evaluator whose scores do not vary (or who scored
  one idea) maps to the pooled mean. Standard deviations are population
  ones (``STDDEV_POP``), defined for a single value.
* **idea**: mean raw and mean calibrated score over its submitted
  scorecards, the spread (population standard deviation of the raw scores)
  and a high-disagreement flag when the spread passes the threshold.
* **support score**: the idea's support count, min-max normalised among the
  challenge's ranked ideas onto the rubric's scale (the scale's midpoint when
  every idea has the same count).
* **final** = (1 - w)·expert + w·support, expert being calibrated or raw as
  the challenge says; rounded to 6 decimals so that equal finals tie, and
  ranked with ``RANK()`` (ties share a rank, the next rank is skipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from evaluation.models import ChallengeEvaluation, Scorecard
from ideas.status import IdeaStatus

#: Ideas that appear in a challenge's ranking: in evaluation or decided.
RANKED_STATUSES = [
    IdeaStatus.PUBLISHED.value,
    IdeaStatus.UNDER_EVALUATION.value,
    IdeaStatus.ACCEPTED.value,
    IdeaStatus.REJECTED.value,
    IdeaStatus.IN_PROGRESS.value,
    IdeaStatus.IMPLEMENTED.value,
]

_CARD_CTE = """
card AS (
    SELECT sc.id AS scorecard_id, a.idea_id, a.evaluator_id,
           %(rmin)s + (%(rmax)s - %(rmin)s)
             * SUM(c.weight::float8 * (cs.score - c.scale_min)::float8
                   / (c.scale_max - c.scale_min))
             / SUM(c.weight::float8) AS score
      FROM evaluation_assignment a
      JOIN evaluation_scorecard sc ON sc.assignment_id = a.id AND sc.state = %(submitted)s
      JOIN evaluation_criterionscore cs ON cs.scorecard_id = sc.id AND cs.score IS NOT NULL
      JOIN evaluation_criterion c ON c.id = cs.criterion_id AND c.rubric_id = %(rubric)s
     WHERE a.challenge_id = %(challenge)s AND a.city_id = %(city)s
     GROUP BY sc.id, a.idea_id, a.evaluator_id
),
pool AS (
    SELECT AVG(score) AS m, COALESCE(STDDEV_POP(score), 0) AS s FROM card
),
ev AS (
    SELECT evaluator_id, COUNT(*) AS n, AVG(score) AS m,
           COALESCE(STDDEV_POP(score), 0) AS s
      FROM card GROUP BY evaluator_id
),
cal AS (
    SELECT card.scorecard_id, card.idea_id, card.evaluator_id, card.score,
           LEAST(%(rmax)s::float8, GREATEST(%(rmin)s::float8,
               pool.m + CASE WHEN ev.s > 1e-9
                             THEN pool.s * (card.score - ev.m) / ev.s ELSE 0 END
           )) AS calibrated
      FROM card JOIN ev USING (evaluator_id) CROSS JOIN pool
)"""

# Constant SQL fragments only; every value is a bound parameter.
_RANKING_SQL = (
    "WITH "  # noqa: S608
    + _CARD_CTE
    + """,
per_idea AS (
    SELECT idea_id, COUNT(*) AS n, AVG(score) AS raw, AVG(calibrated) AS cal,
           STDDEV_POP(score) AS spread
      FROM cal GROUP BY idea_id
),
ranked_ideas AS (
    SELECT i.id, i.title, i.status, i.support_count
      FROM ideas_idea i
     WHERE i.challenge_id = %(challenge)s AND i.city_id = %(city)s
       AND i.status = ANY(%(statuses)s)
),
sup AS (SELECT MIN(support_count) AS lo, MAX(support_count) AS hi FROM ranked_ideas),
scored AS (
    SELECT r.id, r.title, r.status, r.support_count,
           COALESCE(p.n, 0) AS n, p.raw, p.cal, p.spread,
           %(rmin)s + (%(rmax)s - %(rmin)s) * CASE
               WHEN sup.hi > sup.lo THEN (r.support_count - sup.lo)::float8 / (sup.hi - sup.lo)
               ELSE 0.5 END AS support_score,
           CASE WHEN %(calibrate)s THEN p.cal ELSE p.raw END AS expert
      FROM ranked_ideas r CROSS JOIN sup LEFT JOIN per_idea p ON p.idea_id = r.id
),
final AS (
    SELECT scored.*,
           ROUND((CASE WHEN %(w)s >= 1 THEN support_score
                       WHEN expert IS NULL THEN NULL
                       ELSE (1 - %(w)s) * expert + %(w)s * support_score
                  END)::numeric, 6) AS final
      FROM scored
)
SELECT id, title, status, support_count, n, raw, cal, spread, support_score, expert,
       final::float8,
       CASE WHEN final IS NULL THEN NULL
            ELSE RANK() OVER (ORDER BY final DESC NULLS LAST) END AS rank,
       COUNT(*) OVER () AS total
  FROM final
 ORDER BY final DESC NULLS LAST, id
"""
)


@dataclass(frozen=True)
class RankRow:
    idea_id: int
    title: str
    status: str
    support_count: int
    scorecards: int
    expert_raw: float | None
    expert_calibrated: float | None
    spread: float | None
    support_score: float
    expert: float | None
    final: float | None
    rank: int | None
    high_disagreement: bool

    @property
    def status_label(self) -> str:
        return IdeaStatus(self.status).label


@dataclass(frozen=True)
class Ranking:
    rows: list[RankRow]
    total: int


def _params(settings: ChallengeEvaluation) -> dict[str, Any]:
    rubric = settings.rubric
    return {
        "rmin": float(rubric.scale_min) if rubric else 0.0,
        "rmax": float(rubric.scale_max) if rubric else 1.0,
        "rubric": rubric.pk if rubric else None,
        "challenge": settings.challenge_id,
        "city": settings.city_id,
        "submitted": Scorecard.State.SUBMITTED.value,
        "statuses": RANKED_STATUSES,
        "calibrate": bool(settings.calibration),
        "w": settings.support_weight / 100.0,
    }


def ranking(settings: ChallengeEvaluation, *, limit: int | None = None, offset: int = 0) -> Ranking:
    """The ranked ideas of the challenge (one query), a page of them when
    ``limit`` is given. Ideas without any submitted scorecard come last,
    without a rank, unless support alone decides (w = 100 %)."""
    sql = _RANKING_SQL
    params = _params(settings)
    if limit is not None:
        sql += " LIMIT %(limit)s OFFSET %(offset)s"
        params.update(limit=limit, offset=offset)
    threshold = float(settings.disagreement_threshold)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw_rows = cursor.fetchall()
    total = raw_rows[0][-1] if raw_rows else 0
    rows = [
        RankRow(
            idea_id=r[0],
            title=r[1],
            status=r[2],
            support_count=r[3],
            scorecards=r[4],
            expert_raw=r[5],
            expert_calibrated=r[6],
            spread=r[7],
            support_score=r[8],
            expert=r[9],
            final=r[10],
            rank=r[11],
            high_disagreement=bool(r[4] >= 2 and r[7] is not None and r[7] > threshold),
        )
        for r in raw_rows
    ]
    if limit is not None and not rows and offset:
        total = ranking_size(settings)
    return Ranking(rows=rows, total=total)


def ranking_size(settings: ChallengeEvaluation) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM ideas_idea WHERE challenge_id = %s AND city_id = %s "
            "AND status = ANY(%s)",
            [settings.challenge_id, settings.city_id, RANKED_STATUSES],
        )
        return cursor.fetchone()[0]


def scorecard_scores(settings: ChallengeEvaluation) -> list[tuple[int, int, int, float, float]]:
    """(scorecard, idea, evaluator, raw, calibrated) for every submitted
    scorecard: what the ranking is built from (tests, exports)."""
    sql = (
        "WITH "  # noqa: S608 - constant fragments, bound parameters
        + _CARD_CTE
        + " SELECT scorecard_id, idea_id, evaluator_id, score, calibrated FROM cal"
        " ORDER BY scorecard_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(settings))
        return cursor.fetchall()


_ALPHA_PARTS = """,
u AS (
    SELECT COUNT(*) AS m, SUM(score) AS s, SUM(score * score) AS sq
      FROM card GROUP BY idea_id HAVING COUNT(*) >= 2
),
parts AS (
    SELECT COALESCE(SUM((2 * m * sq - 2 * s * s) / (m - 1)), 0) AS observed,
           COALESCE(SUM(m), 0) AS n, COALESCE(SUM(s), 0) AS total,
           COALESCE(SUM(sq), 0) AS total_sq
      FROM u
)"""


def _alpha_from_parts(observed: Any, n: Any, total: Any, total_sq: Any) -> tuple[float | None, int]:
    # Krippendorff's interval alpha in closed form (see evaluation.stats).
    n = int(n)
    expected = 2 * n * float(total_sq) - 2 * float(total) ** 2
    if n < 2 or expected <= 1e-12:
        return None, n
    return 1.0 - (n - 1) * float(observed) / expected, n


def challenge_alpha(settings: ChallengeEvaluation) -> tuple[float | None, int]:
    """Krippendorff's alpha (interval) over the challenge's submitted
    scorecard scores, units being ideas; and the number of pairable values.

    The closed form of ``evaluation.stats`` (sums of values and squares per
    idea) runs in SQL; tests check it against ``krippendorff_alpha``.
    """
    sql = "WITH " + _CARD_CTE + _ALPHA_PARTS + " SELECT * FROM parts"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(settings))
        return _alpha_from_parts(*cursor.fetchone())


@dataclass(frozen=True)
class Leniency:
    evaluator_id: int
    email: str
    scorecards: int
    mean: float
    offset: float  # mean minus the pooled mean: > 0 lenient, < 0 harsh


def evaluator_leniency(settings: ChallengeEvaluation) -> list[Leniency]:
    """Each evaluator's mean scorecard score against everyone's (one query)."""
    return agreement_and_leniency(settings)[2]


def agreement_and_leniency(
    settings: ChallengeEvaluation,
) -> tuple[float | None, int, list[Leniency]]:
    """Alpha, its number of pairable values, and the evaluators' leniency,
    in one query (the ranking page's budget is tight)."""
    sql = (
        "WITH "
        + _CARD_CTE
        + _ALPHA_PARTS
        + """
SELECT ev.evaluator_id, u.email, ev.n, ev.m, ev.m - pool.m,
       parts.observed, parts.n, parts.total, parts.total_sq
  FROM parts CROSS JOIN pool
  LEFT JOIN ev ON true
  LEFT JOIN accounts_user u ON u.id = ev.evaluator_id
 ORDER BY ev.m - pool.m DESC, u.email"""
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(settings))
        rows = cursor.fetchall()
    alpha, n = _alpha_from_parts(*rows[0][5:])
    leniency = [Leniency(*row[:5]) for row in rows if row[0] is not None]
    return alpha, n, leniency


@dataclass(frozen=True)
class CriterionDistribution:
    criterion_id: int
    name: str
    scale_min: int
    scale_max: int
    counts: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def bars(self) -> list[tuple[int, int, float]]:
        """(score, count, share 0-100) for every level, empty ones included."""
        total = self.total or 1
        return [
            (score, self.counts.get(score, 0), 100.0 * self.counts.get(score, 0) / total)
            for score in range(self.scale_min, self.scale_max + 1)
        ]


def criterion_distribution(settings: ChallengeEvaluation) -> list[CriterionDistribution]:
    """How often each score was given per criterion in submitted scorecards."""
    if settings.rubric_id is None:
        return []
    sql = """
SELECT c.id, c.name, c.scale_min, c.scale_max, cs.score, COUNT(cs.id)
  FROM evaluation_criterion c
  LEFT JOIN (
      SELECT cs.id, cs.criterion_id, cs.score
        FROM evaluation_criterionscore cs
        JOIN evaluation_scorecard sc ON sc.id = cs.scorecard_id AND sc.state = %(submitted)s
        JOIN evaluation_assignment a ON a.id = sc.assignment_id
       WHERE a.challenge_id = %(challenge)s AND cs.score IS NOT NULL
  ) cs ON cs.criterion_id = c.id
 WHERE c.rubric_id = %(rubric)s AND c.city_id = %(city)s
 GROUP BY c.id, c.name, c.position, c.scale_min, c.scale_max, cs.score
 ORDER BY c.position, c.id, cs.score
"""
    result: dict[int, CriterionDistribution] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(settings))
        for cid, name, lo, hi, score, count in cursor.fetchall():
            item = result.setdefault(cid, CriterionDistribution(cid, name, lo, hi, {}))
            if score is not None:
                item.counts[score] = count
    return list(result.values())
