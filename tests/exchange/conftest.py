"""A small world for the exchange: Riverton (English) ran a challenge with
ideas, supports, comments, an official answer, an evaluation rubric,
categories and a match fund; Lakeside (French) and Hillcrest (Dutch) have
only their staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from civicideas.content.translations import set_translation
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from exchange import services
from exchange.models import Method
from ideas.models import Challenge, StatusChange
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.evaluation.factories import CriterionFactory, RubricFactory
from tests.factories import CityFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    IdeaFactory,
    SupportFactory,
)
from tests.sponsors.factories import MatchFundFactory

TEXTS = {
    "en": {
        "title": "Greener streets chosen by residents",
        "summary": "Residents proposed trees and planters; a panel scored them.",
        "goal": "Answer every idea publicly.",
        "approach": "Call for ideas, then evaluation with a weighted rubric.",
    },
    "fr": {
        "title": "Des rues plus vertes choisies par les habitants",
        "summary": "Les habitants ont proposé des arbres et des bacs à fleurs.",
    },
}


@dataclass
class World:
    riverton: Any
    lakeside: Any
    hillcrest: Any
    admin: Any
    moderator: Any
    evaluator: Any
    citizen: Any
    lakeside_admin: Any
    lakeside_moderator: Any
    hillcrest_admin: Any
    challenge: Any
    draft: Any
    ideas: list
    people: list


@pytest.fixture
def world(db) -> World:
    riverton = CityFactory(slug="riverton", name="Riverton", population=182_000)
    lakeside = CityFactory(
        slug="lakeside",
        name="Lakeside",
        languages=["fr", "en"],
        default_language="fr",
        population=64_000,
    )
    hillcrest = CityFactory(
        slug="hillcrest", name="Hillcrest", languages=["nl", "en"], default_language="nl"
    )
    admin = make_member(riverton, Role.CITY_ADMIN, email="admin@riverton.example")
    moderator = make_member(riverton, Role.MODERATOR, email="mod@riverton.example")
    evaluator = make_member(riverton, Role.EVALUATOR, email="eval@riverton.example")
    citizen = make_member(riverton, Role.CITIZEN, email="citizen@riverton.example")
    lakeside_admin = make_member(lakeside, Role.CITY_ADMIN, email="admin@lakeside.example")
    lakeside_moderator = make_member(lakeside, Role.MODERATOR, email="mod@lakeside.example")
    hillcrest_admin = make_member(hillcrest, Role.CITY_ADMIN, email="admin@hillcrest.example")
    people = []
    with city_context(riverton):
        start = timezone.now() - timedelta(days=90)
        challenge = ChallengeFactory(
            title="Greener streets",
            slug="greener-streets",
            ideas_open_from=start,
            ideas_deadline=start + timedelta(days=42),
            supports_deadline=start + timedelta(days=56),
            results_date=start + timedelta(days=86),
        )
        set_translation(challenge, "fr", {"title": "Des rues plus vertes"})
        challenge.save()
        trees = CategoryFactory(name="Trees", slug="trees")
        set_translation(trees, "fr", {"name": "Arbres"})
        trees.save()
        challenge.categories.set([trees, CategoryFactory(name="Mobility", slug="mobility")])
        draft = ChallengeFactory(phase=Challenge.Phase.DRAFT, slug="draft-one")
        rubric = RubricFactory(name="Urban innovation")
        CriterionFactory(rubric=rubric, name="Impact", weight=Decimal(2))
        CriterionFactory(rubric=rubric, name="Feasibility")
        from evaluation.models import ChallengeEvaluation

        ChallengeEvaluation.objects.create(
            city=riverton, challenge=challenge, rubric=rubric, evaluators_per_idea=2
        )
        MatchFundFactory(ratio=Decimal("1.5"), total_budget=Decimal("20000"))
        ideas = []
        for n in range(4):
            idea = IdeaFactory(
                challenge=challenge,
                title=f"Private-looking idea title {n}",
                published_at=start + timedelta(days=1),
                support_count=2,
                comment_count=1,
            )
            people.append(idea.author)
            for _ in range(2):
                people.append(SupportFactory(idea=idea).user)
            people.append(CommentFactory(idea=idea).author)
            ideas.append(idea)
        for idea, days in ((ideas[0], 4), (ideas[1], 10)):
            idea.status = IdeaStatus.ACCEPTED
            idea.save()
            change = StatusChange.objects.create(
                city=riverton,
                idea=idea,
                from_status=IdeaStatus.PUBLISHED,
                to_status=IdeaStatus.ACCEPTED,
                changed_by=moderator,
                message="We will do it",
                is_official=True,
            )
            StatusChange.objects.filter(pk=change.pk).update(
                created_at=start + timedelta(days=1 + days)
            )
    return World(
        riverton,
        lakeside,
        hillcrest,
        admin,
        moderator,
        evaluator,
        citizen,
        lakeside_admin,
        lakeside_moderator,
        hillcrest_admin,
        challenge,
        draft,
        ideas,
        people,
    )


def publish(world: World, **overrides: Any):
    kwargs = {
        "by": world.admin,
        "challenge_ids": [world.challenge.pk],
        "texts": TEXTS,
        "contact_email": "participation@riverton.example",
        "method": Method.CALL_FOR_IDEAS,
        "topics": ["environment"],
    }
    kwargs.update(overrides)
    with city_context(world.riverton):
        return services.practice_publish(**kwargs)


@pytest.fixture
def practice(world):
    return publish(world)
