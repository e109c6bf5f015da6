"""Factories for ideas. Use inside ``city_context(city)``."""

from __future__ import annotations

import random

import factory

from civicideas.tenancy.context import city_context, current_city
from ideas.models import Category, Challenge, Comment, District, Follow, Idea, Support
from ideas.status import IdeaStatus
from tests.factories import UserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    city = factory.LazyFunction(current_city)
    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.LazyFunction(current_city)
    name = factory.Sequence(lambda n: f"District {n}")
    slug = factory.Sequence(lambda n: f"district-{n}")


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    city = factory.LazyFunction(current_city)
    title = factory.Sequence(lambda n: f"Challenge {n}")
    slug = factory.Sequence(lambda n: f"challenge-{n}")
    description = "How can we make the city greener?"
    phase = Challenge.Phase.IDEAS


class IdeaFactory(factory.django.DjangoModelFactory):
    """A published idea, written directly (services are tested separately)."""

    class Meta:
        model = Idea

    city = factory.LazyFunction(current_city)
    challenge = factory.SubFactory(ChallengeFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Idea number {n}")
    body = "Plant more trees along the river."
    language = "en"
    status = IdeaStatus.PUBLISHED
    shuffle_key = factory.LazyFunction(lambda: random.randint(0, 2**31 - 1))


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    city = factory.LazyFunction(current_city)
    idea = factory.SubFactory(IdeaFactory)
    author = factory.SubFactory(UserFactory)
    body = "Good idea!"
    language = factory.LazyAttribute(lambda o: o.idea.language)


class SupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Support

    city = factory.LazyFunction(current_city)
    idea = factory.SubFactory(IdeaFactory)
    user = factory.SubFactory(UserFactory)


class FollowFactory(factory.django.DjangoModelFactory):
    """Follows the whole city unless a category is given."""

    class Meta:
        model = Follow

    city = factory.LazyFunction(current_city)
    user = factory.SubFactory(UserFactory)
    category = None


def challenge_data(challenge=None, **overrides) -> dict:
    """What the challenge admin's add/change form posts (an open challenge).
    Changing ``challenge``, the form carries its current version, as the
    page read now would (``civicideas.concurrency``)."""
    data = {
        "title": "Safer streets",
        "slug": "safer-streets",
        "summary": "",
        "description": "How can we make streets safer?",
        "phase": "ideas",
        "report_hide_threshold": "3",
        "supports_enabled": "on",
        "require_verified_email": "on",
    }
    if challenge is not None:
        with city_context(challenge.city):
            data["lock_version"] = Challenge.objects.get(pk=challenge.pk).lock_version
    return data | overrides
