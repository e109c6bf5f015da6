"""The API benchmark runs on a small seed and reports every figure."""

from __future__ import annotations

import io

import pytest

from civicideas.benchmarks import api as bench
from civicideas.tenancy import city_context
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db


def test_bench_runs_on_a_small_city(city):
    with city_context(city):
        challenge = ChallengeFactory()
        IdeaFactory.create_batch(60, challenge=challenge)
    out = io.StringIO()
    rows = bench.run(out, repeat=3)
    labels = [label for label, _ in rows]
    assert labels[0].startswith("baseline") and "cursor at row" in labels[2]
    assert all("HTTP 200" in figures for _, figures in rows[:4]), rows
    assert "60 rows" in rows[-1][1]
    assert "API benchmark (riverton, 60 ideas)" in out.getvalue()
