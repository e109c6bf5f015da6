"""No "Idea object (3)" in the back office (issue 12): every model of the
project names itself, and the names of the models that had none read well."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from civicideas.tenancy import city_context
from ideas.models import ChallengeCategory, ModerationAction, Report, StatusChange, Support
from tests.factories import UserFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory, IdeaFactory
from tests.sponsors.factories import OfferFactory

OUR_APPS = {"tenancy", "accounts", "notifications", "apitokens", "ideas", "evaluation", "sponsors"}


def test_every_model_defines_str():
    nameless = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and model.__str__ is models.Model.__str__
    ]
    assert nameless == []


@pytest.mark.django_db
def test_names_read_well(city):
    with city_context(city):
        idea = IdeaFactory(title="Benches")
        user = UserFactory()
        support = Support.objects.create(city=city, idea=idea, user=user)
        report = Report.objects.create(city=city, idea=idea, reporter=user, reason="x")
        change = StatusChange.objects.create(
            city=city, idea=idea, to_status="accepted", changed_by=user
        )
        action = ModerationAction.objects.create(city=city, idea=idea, action="hide")
        challenge = ChallengeFactory(title="Greener")
        link = ChallengeCategory.objects.create(
            challenge=challenge, category=CategoryFactory(name="Trees")
        )
        offer = OfferFactory(quantity=Decimal("5"))
    assert str(support) == "Support for “Benches”"
    assert str(report) == "Report on “Benches”"
    assert str(change) == "Benches: Accepted"
    assert str(action) == "Hidden: Benches"
    assert str(link) == "Greener — Trees"
    assert "object (" not in str(offer)
