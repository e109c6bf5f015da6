"""Krippendorff's alpha against the worked example published by Krippendorff
("Computing Krippendorff's Alpha-Reliability", 2011, reliability data of
4 observers x 12 units with missing values)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.stats import alpha_reading, krippendorff_alpha

N = None
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_published_example(level, expected):
    assert krippendorff_alpha(KRIPPENDORFF_2011, level=level) == pytest.approx(expected, abs=5e-4)


def test_default_level_is_interval():
    assert krippendorff_alpha(KRIPPENDORFF_2011) == pytest.approx(0.849, abs=5e-4)


def test_perfect_agreement_is_one_and_undefined_cases_are_none():
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], "nominal") == pytest.approx(1.0)
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]]) == pytest.approx(1.0)
    assert krippendorff_alpha([[3, 3], [3, 3]]) is None  # no variation
    assert krippendorff_alpha([[1, N], [N, 2]]) is None  # nothing pairable
    assert krippendorff_alpha([]) is None


def test_unknown_level_refused():
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_2011, level="cardinal")


def _interval_by_pairs(ratings):
    """Brute force over explicit value pairs: the textbook definition."""
    units = []
    for u in range(max(len(r) for r in ratings)):
        values = [r[u] for r in ratings if u < len(r) and r[u] is not None]
        if len(values) >= 2:
            units.append(values)
    pairable = [v for values in units for v in values]
    n = len(pairable)
    observed = sum(
        (a - b) ** 2 / (len(values) - 1)
        for values in units
        for a, b in itertools.permutations(values, 2)
    )
    expected = sum((a - b) ** 2 for a, b in itertools.permutations(pairable, 2))
    if n < 2 or expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=6, max_size=6),
        min_size=2,
        max_size=4,
    )
)
def test_interval_closed_form_matches_pairwise_definition(ratings):
    expected = _interval_by_pairs(ratings)
    got = krippendorff_alpha(ratings, "interval")
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def test_readings_cover_every_band():
    texts = {alpha_reading(a) for a in (None, 0.9, 0.7, 0.3, -0.1)}
    assert len(texts) == 5
