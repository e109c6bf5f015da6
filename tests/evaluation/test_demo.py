"""The demo evaluation: a challenge in evaluation with assignments and a
mix of draft and submitted scorecards, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from evaluation import aggregation
from evaluation.demo import SLUG
from evaluation.models import Assignment, ChallengeEvaluation, Scorecard
from ideas.models import Challenge

pytestmark = pytest.mark.django_db


def test_demo_city_has_an_evaluation_in_progress():
    call_command("seed_demo", password="demo-pass-123", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", password="demo-pass-123", stdout=out)
    assert "evaluation: already seeded" in out.getvalue()
    with city_context(City.objects.get(slug="riverton")):
        challenge = Challenge.objects.get(slug=SLUG)
        assert challenge.phase == Challenge.Phase.EVALUATION
        assert Assignment.objects.filter(challenge=challenge).count() == 36
        states = set(Scorecard.objects.values_list("state", flat=True))
        assert states == {Scorecard.State.DRAFT, Scorecard.State.SUBMITTED}
        evaluators = set(Assignment.objects.values_list("evaluator__email", flat=True))
        assert "evaluator@riverton.example" in evaluators and len(evaluators) == 3
        settings = ChallengeEvaluation.objects.get(challenge=challenge)
        assert settings.rubric.criteria.count() == 7
        ranked = aggregation.ranking(settings)
        assert ranked.rows[0].rank == 1 and ranked.rows[0].expert_calibrated is not None
