"""Rubric criteria in each of the city's languages (issue 13): a preset
arrives in every language the city offers, the scorecard's level labels
follow the page's language, and translated labels obey the scale."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civicideas.content.translations import set_translation
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from evaluation import presets
from tests.conftest import make_member
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed():
    city = CityFactory(
        slug="lakeside", name="Lakeside", languages=["fr", "nl"], default_language="fr"
    )
    admin = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        rubric = presets.preset_install(key=presets.URBAN_INNOVATION, by=admin)
        criterion = rubric.criteria.order_by("position").first()
    return city, criterion


def test_a_preset_is_installed_in_every_city_language(installed):
    _city, criterion = installed
    with translation.override("fr"):
        french = str(presets.PRESETS[presets.URBAN_INNOVATION]["criteria"][0][0])
    with translation.override("nl"):
        dutch = str(presets.PRESETS[presets.URBAN_INNOVATION]["criteria"][0][0])
    assert french != dutch
    assert criterion.name == french  # the default language, whatever the admin's
    assert criterion.translations["nl"]["name"] == dutch
    assert len(criterion.translations["nl"]["level_labels"]) == 6


def test_level_labels_follow_the_page_language(installed):
    city, criterion = installed
    with city_context(city):
        with translation.override("nl"):
            dutch = [label for _score, label in criterion.levels()]
        with translation.override("fr"):
            french = [label for _score, label in criterion.levels()]
    assert dutch == criterion.translations["nl"]["level_labels"]
    assert french == criterion.level_labels
    assert dutch != french


def test_translated_level_labels_must_fit_the_scale(installed):
    city, criterion = installed
    with city_context(city):
        set_translation(criterion, "nl", {"level_labels": ["Slecht", "Goed"]})
        with pytest.raises(ValidationError) as error:
            criterion.clean()
    assert "level_labels" in error.value.message_dict
