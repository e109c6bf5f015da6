"""Factories of city projects (in the current city's context)."""

from datetime import date

import factory

from civicideas.tenancy.context import current_city
from projects.models import Milestone, Project, ProjectIdea, ProjectUpdate
from tests.ideas.factories import IdeaFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    city = factory.LazyFunction(current_city)

    title = factory.Sequence(lambda n: f"Project {n}")
    description = "Planting trees along the river."
    planned_start = date(2026, 3, 1)
    planned_end = date(2026, 12, 31)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    city = factory.LazyFunction(current_city)

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_on = date(2026, 6, 1)


class ProjectIdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectIdea

    city = factory.LazyFunction(current_city)

    project = factory.SubFactory(ProjectFactory)
    idea = factory.SubFactory(IdeaFactory, status="accepted")


class ProjectUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectUpdate

    city = factory.LazyFunction(current_city)

    project = factory.SubFactory(ProjectFactory)
    text = "The first trees are in."
    published_on = date(2026, 4, 1)
