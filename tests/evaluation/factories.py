"""Factories and a small evaluation world. Use inside ``city_context(city)``."""

from __future__ import annotations

from decimal import Decimal

import factory

from civicideas.tenancy.context import current_city
from evaluation.models import Assignment, ChallengeEvaluation, Criterion, Rubric
from ideas.models import Challenge
from tests.ideas.factories import ChallengeFactory


class RubricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rubric

    city = factory.LazyFunction(current_city)
    name = factory.Sequence(lambda n: f"Rubric {n}")
    scale_min = 0
    scale_max = 5


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    city = factory.LazyFunction(current_city)
    rubric = factory.SubFactory(RubricFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal(1)
    scale_min = 0
    scale_max = 5
    position = factory.Sequence(lambda n: n)


class EvaluationChallengeFactory(ChallengeFactory):
    phase = Challenge.Phase.EVALUATION


class ChallengeEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChallengeEvaluation

    city = factory.LazyFunction(current_city)
    challenge = factory.SubFactory(EvaluationChallengeFactory)
    rubric = factory.SubFactory(RubricFactory)
    evaluators_per_idea = 3


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    city = factory.LazyFunction(current_city)
    idea = factory.SubFactory("tests.ideas.factories.IdeaFactory")
    challenge = factory.LazyAttribute(lambda o: o.idea.challenge)
    evaluator = factory.SubFactory("tests.factories.UserFactory")
