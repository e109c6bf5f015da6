"""The stored ranking of a challenge: computed once per change, read by
every ranking page (issue 17).

``aggregation.ranking`` ranks every idea of the challenge in SQL (1.6 s at
5,000 ideas with three scorecards each); the ranking page ran it, with the
agreement and distribution statistics, on every request. Now the whole
result is kept in the cache under the challenge's ranking generation, and
``ranking_refresh`` — the one place that says "the ranking changed" — moves
the generation on commit when a scorecard is submitted or reopened, a
decision is taken or the evaluation settings change. The next ranking page
computes it once; every page after that slices the stored rows.

Support counts and moderation (hiding an idea) also move the ranking but
are not evaluation events: they show within ``RANKING_SECONDS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from evaluation import aggregation
from evaluation.models import ChallengeEvaluation

#: Longest a stored ranking is served (supports and moderation move it too).
RANKING_SECONDS = 300


@dataclass(frozen=True)
class StoredRanking:
    """What the ranking page shows besides the rows of its page."""

    total: int
    alpha: float | None
    pairable: int
    leniency: list[aggregation.Leniency]
    distribution: list[aggregation.CriterionDistribution]


def _generation_key(challenge_id: int) -> str:
    return f"ranking-generation:{challenge_id}"


def ranking_refresh(*, challenge_id: int) -> None:
    """Mark the challenge's stored ranking as out of date, now and again
    once the current transaction commits: a page computed in between (from
    the data before the commit) is not kept. Called by every evaluation
    service that changes what the ranking shows."""

    def bump() -> None:
        key = _generation_key(challenge_id)
        if not cache.add(key, 1, None):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, None)

    bump()
    transaction.on_commit(bump)


def _base_key(settings: ChallengeEvaluation, page_size: int) -> str:
    generation = cache.get(_generation_key(settings.challenge_id), 0)
    return (
        f"ranking:{settings.city_id}:{settings.challenge_id}:{generation}:"
        f"{settings.rubric_id}:{settings.calibration}:{settings.support_weight}:"
        f"{settings.disagreement_threshold}:{page_size}"
    )


def _store(settings: ChallengeEvaluation, base: str, page_size: int) -> StoredRanking:
    """Compute the whole ranking and keep it page by page: a page view then
    reads two small values, not 5,000 rows."""
    rows = aggregation.ranking(settings).rows
    alpha, pairable, leniency = aggregation.agreement_and_leniency(settings)
    meta = StoredRanking(
        total=len(rows),
        alpha=alpha,
        pairable=pairable,
        leniency=leniency,
        distribution=aggregation.criterion_distribution(settings),
    )
    pages = {
        f"{base}:p{n // page_size + 1}": rows[n : n + page_size]
        for n in range(0, len(rows), page_size)
    }
    cache.set_many({f"{base}:meta": meta, **pages}, RANKING_SECONDS)
    return meta


def stored_ranking_page(
    settings: ChallengeEvaluation, *, page: int, page_size: int
) -> tuple[StoredRanking, list[aggregation.RankRow], int]:
    """The statistics, the rows of ``page`` (the last page when past the
    end) and that page's number, computed at most once per change (or per
    ``RANKING_SECONDS``)."""
    base = _base_key(settings, page_size)
    meta = cache.get(f"{base}:meta")
    if meta is None:
        meta = _store(settings, base, page_size)
    page = max(1, min(page, -(-meta.total // page_size)))
    rows = cache.get(f"{base}:p{page}", []) if meta.total else []
    if meta.total and not rows:  # evicted on its own: compute again
        meta = _store(settings, base, page_size)
        rows = cache.get(f"{base}:p{page}", [])
    return meta, rows, page
