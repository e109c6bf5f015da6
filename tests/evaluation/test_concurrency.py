"""A double submit from two connections: one wins, the other gets a clear
error and changes nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from civicideas.errors import Conflict
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from evaluation import services
from evaluation.models import CriterionScore, EvaluationAuditLog, Scorecard
from tests.conftest import make_member
from tests.evaluation.factories import (
    AssignmentFactory,
    ChallengeEvaluationFactory,
    CriterionFactory,
)
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_double_submit_one_wins(city):
    evaluator = make_member(city, Role.EVALUATOR)
    with city_context(city):
        settings = ChallengeEvaluationFactory()
        criteria = [CriterionFactory(rubric=settings.rubric) for _ in range(3)]
        assignment = AssignmentFactory(
            idea=IdeaFactory(challenge=settings.challenge), evaluator=evaluator
        )
    barrier = threading.Barrier(2)

    def submit(value: int):
        try:
            barrier.wait()
            with city_context(city):
                services.scorecard_submit(
                    assignment=assignment,
                    by=evaluator,
                    scores={c.pk: value for c in criteria},
                    recommendation="accept",
                )
            return "ok"
        except Conflict as error:
            return error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(submit, [1, 5]))
    assert results.count("ok") == 1
    assert "already submitted" in next(r for r in results if r != "ok")
    with city_context(city):
        assert Scorecard.objects.get().state == Scorecard.State.SUBMITTED
        values = set(CriterionScore.objects.values_list("score", flat=True))
        assert values in ({1}, {5})
        assert EvaluationAuditLog.objects.filter(action="submitted").count() == 1
