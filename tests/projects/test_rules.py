"""The projects' rule and its queryset twin agree, for every role and both
visibilities: ``rules.can_view_project`` ⇔ ``Project.objects.visible_to``.
Lakeside's projects are in no Riverton list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from projects import rules
from projects.models import Project
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.projects.factories import ProjectFactory
from tests.twins import disagreements, leaks

pytestmark = pytest.mark.django_db


def test_can_view_project_agrees_with_visible_to(city, other_city):
    people = {
        "anonymous": AnonymousUser(),
        "citizen": make_member(city),
        "moderator": make_member(city, Role.MODERATOR),
        "evaluator": make_member(city, Role.EVALUATOR),
        "city admin": make_member(city, Role.CITY_ADMIN),
        "superuser": UserFactory(is_superuser=True),
        "lakeside city admin": make_member(other_city, Role.CITY_ADMIN),
        "deactivated city admin": make_member(city, Role.CITY_ADMIN, is_active=False),
    }
    with city_context(other_city):
        foreign = [ProjectFactory(is_public=True), ProjectFactory(is_public=False)]
    with city_context(city):
        projects = {
            "public": ProjectFactory(is_public=True),
            "hidden": ProjectFactory(is_public=False),
        }
        assert (
            disagreements(people, projects, rules.can_view_project, Project.objects.visible_to)
            == []
        )
        assert leaks(people, foreign, Project.objects.visible_to) == []
        # The matrix is not vacuous: the hidden project is the admins' only.
        assert rules.can_view_project(people["city admin"], projects["hidden"])
        assert not rules.can_view_project(people["citizen"], projects["hidden"])
