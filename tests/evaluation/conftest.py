"""An evaluation world: Riverton with staff, a challenge in evaluation with a
three-criterion rubric and ideas; Lakeside with its own evaluator and
scorecard, to prove nothing crosses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from evaluation import services
from evaluation.models import Scorecard
from tests.conftest import client_for, make_member
from tests.evaluation.factories import (
    AssignmentFactory,
    ChallengeEvaluationFactory,
    CriterionFactory,
)
from tests.ideas.factories import IdeaFactory


class World:
    def __init__(self, riverton, lakeside) -> None:
        self.riverton, self.lakeside = riverton, lakeside
        self.admin = make_member(riverton, Role.CITY_ADMIN, email="admin@riverton.example")
        self.moderator = make_member(riverton, Role.MODERATOR, email="mod@riverton.example")
        self.citizen = make_member(riverton, Role.CITIZEN, email="citizen@riverton.example")
        self.evaluators = [
            make_member(riverton, Role.EVALUATOR, email=f"eval{i}@riverton.example")
            for i in range(4)
        ]
        self.evaluator = self.evaluators[0]
        self.lakeside_evaluator = make_member(
            lakeside, Role.EVALUATOR, email="eval@lakeside.example"
        )
        with city_context(riverton):
            self.settings = ChallengeEvaluationFactory(challenge__title="Greener Riverton")
            self.challenge = self.settings.challenge
            self.rubric = self.settings.rubric
            self.criteria = [
                CriterionFactory(rubric=self.rubric, name="Impact", weight=Decimal(2)),
                CriterionFactory(rubric=self.rubric, name="Novelty", weight=Decimal(1)),
                CriterionFactory(rubric=self.rubric, name="Feasibility", weight=Decimal(1)),
            ]
            self.ideas = [
                IdeaFactory(challenge=self.challenge, title=f"Riverton idea {i}") for i in range(5)
            ]
            # One idea written by an evaluator: never theirs to score.
            self.own_idea = IdeaFactory(
                challenge=self.challenge, author=self.evaluator, title="Evaluator's own idea"
            )
            self.ideas.append(self.own_idea)
        with city_context(lakeside):
            self.lakeside_settings = ChallengeEvaluationFactory(
                challenge__title="Lakeside challenge"
            )
            crit = CriterionFactory(rubric=self.lakeside_settings.rubric, name="Lakeside crit")
            self.lakeside_idea = IdeaFactory(
                challenge=self.lakeside_settings.challenge, title="Lakeside secret idea"
            )
            self.lakeside_assignment = AssignmentFactory(
                idea=self.lakeside_idea, evaluator=self.lakeside_evaluator
            )
            self.lakeside_scorecard = services.scorecard_submit(
                assignment=self.lakeside_assignment,
                by=self.lakeside_evaluator,
                scores={crit.pk: 4},
                recommendation=Scorecard.Recommendation.ACCEPT,
            )

    def full_scores(self, *values: int) -> dict[int, int]:
        values = values or (4, 3, 2)
        return {c.pk: v for c, v in zip(self.criteria, values, strict=True)}

    def assign(self, idea, evaluator):
        with city_context(self.riverton):
            return AssignmentFactory(idea=idea, evaluator=evaluator)

    def client(self, user):
        return client_for(user, self.riverton)


@pytest.fixture
def world(city, other_city):
    return World(city, other_city)


@pytest.fixture
def in_riverton(world):
    with city_context(world.riverton):
        yield world
