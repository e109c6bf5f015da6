"""Agreement between evaluators: Krippendorff's alpha.

Implemented from the coincidence-matrix formulation in Krippendorff,
"Computing Krippendorff's Alpha-Reliability" (2011):

* every unit (idea) with at least two values contributes, for each ordered
  pair of its values, ``1 / (m_u - 1)`` to the coincidence ``o[c][k]``;
* ``n_c`` are the marginal sums, ``n`` the number of pairable values;
* ``alpha = 1 - (n - 1) * Σ o_ck δ²_ck / Σ n_c n_k δ²_ck``.

The interval level has a closed form that needs no matrix (pair sums of
squared differences expand into sums of values and squares), so scores that
are means over criteria — nearly every value distinct — cost O(n), not O(n²).
The other levels use the matrix over the distinct values, which is small for
the integer scales they are meant for.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

LEVELS = ("nominal", "ordinal", "interval", "ratio")

Number = int | float


def _units(ratings: Sequence[Sequence[Number | None]]) -> list[list[float]]:
    """The pairable values per unit: units with fewer than two values drop out."""
    if not ratings:
        return []
    width = max(len(row) for row in ratings)
    units = []
    for u in range(width):
        values = [float(row[u]) for row in ratings if u < len(row) and row[u] is not None]
        if len(values) >= 2:
            units.append(values)
    return units


def _interval_alpha(units: list[list[float]]) -> float | None:
    # Σ over ordered pairs (i ≠ j) of (x_i - x_j)² = 2·m·Σx² - 2·(Σx)².
    observed = 0.0
    total = total_sq = 0.0
    n = 0
    for values in units:
        m = len(values)
        s = sum(values)
        sq = sum(v * v for v in values)
        observed += (2 * m * sq - 2 * s * s) / (m - 1)
        total += s
        total_sq += sq
        n += m
    expected = 2 * n * total_sq - 2 * total * total
    if n < 2 or expected <= 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def _coincidences(units: list[list[float]]) -> dict[tuple[float, float], float]:
    o: dict[tuple[float, float], float] = defaultdict(float)
    for values in units:
        m = len(values)
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                if pairs:
                    o[(c, k)] += pairs / (m - 1)
    return o


def krippendorff_alpha(
    ratings: Sequence[Sequence[Number | None]], level: str = "interval"
) -> float | None:
    """Krippendorff's alpha for ``ratings``: one list per evaluator, holding
    one value per unit (idea), ``None`` where the evaluator gave none.

    ``level`` is ``nominal``, ``ordinal``, ``interval`` or ``ratio``.
    Returns ``None`` when alpha is undefined: fewer than two pairable values,
    or no variation at all among them (nothing to agree or disagree on).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    units = _units(ratings)
    if level == "interval":
        return _interval_alpha(units)
    o = _coincidences(units)
    marginals: dict[float, float] = defaultdict(float)
    for (c, _k), value in o.items():
        marginals[c] += value
    n = sum(marginals.values())
    values = sorted(marginals)
    if n < 2 or len(values) < 2:
        return None

    if level == "nominal":

        def delta(c: float, k: float) -> float:
            return 0.0 if c == k else 1.0

    elif level == "ratio":

        def delta(c: float, k: float) -> float:
            return 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2

    else:  # ordinal: distance in cumulative marginal frequencies
        cumulative: dict[float, float] = {}
        running = 0.0
        for v in values:
            cumulative[v] = running
            running += marginals[v]

        def delta(c: float, k: float) -> float:
            low, high = (c, k) if c <= k else (k, c)
            between = cumulative[high] + marginals[high] - cumulative[low]
            return (between - (marginals[low] + marginals[high]) / 2) ** 2

    observed = sum(value * delta(c, k) for (c, k), value in o.items())
    expected = sum(marginals[c] * marginals[k] * delta(c, k) for c in values for k in values)
    if expected <= 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def alpha_reading(alpha: float | None) -> str:
    """A plain-language reading of alpha, after Krippendorff's guidance
    (≥ 0.800 reliable, ≥ 0.667 tentative conclusions only)."""
    from django.utils.translation import gettext as _

    if alpha is None:
        return _("Not enough overlapping scores to measure agreement yet.")
    if alpha >= 0.8:
        return _("Evaluators agree well: the ranking reflects a shared judgement.")
    if alpha >= 0.667:
        return _(
            "Evaluators agree moderately: use the ranking for tentative conclusions and "
            "look at ideas flagged for disagreement."
        )
    if alpha > 0:
        return _(
            "Evaluators agree poorly: the scores depend a lot on who scored. Discuss the "
            "criteria together (calibration) before relying on the ranking."
        )
    return _(
        "No agreement beyond chance: the scores say more about the evaluators than about the ideas."
    )
