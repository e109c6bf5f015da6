"""The city settings page (issue 12): languages as checkboxes limited to the
platform's, the default among them, the brand colour a real ``#rrggbb`` on
which white text is readable, the map box grouped with its help."""

from __future__ import annotations

import pytest

from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from tests.concurrency import change_form_data
from tests.conftest import client_for, make_member

pytestmark = pytest.mark.django_db


def path(city: City) -> str:
    return f"/admin/tenancy/city/{city.pk}/change/"


@pytest.fixture
def admin_client(city):
    return client_for(make_member(city, Role.CITY_ADMIN), city)


def post(client, city: City, **overrides):
    data = change_form_data(client.get(path(city)), **overrides)
    return client.post(path(city), data)


def errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_the_page_shows_checkboxes_a_colour_picker_and_the_map_box(admin_client, city):
    page = admin_client.get(path(city)).content.decode()
    for code in ("en", "fr", "nl"):
        assert f'type="checkbox" name="languages" value="{code}"' in page
    assert 'type="color" name="colour"' in page
    assert "data-contrast-check" in page
    assert "civicideas/city_colour.js" in page
    assert "Map area" in page and "Leave all" in page
    assert 'name="ask_privacy_again"' in page  # the privacy box is still there


def test_languages_and_colour_are_saved(admin_client, city):
    response = post(admin_client, city, languages=["nl", "en"], colour="#0B6E4F")
    assert response.status_code == 302, errors(response)
    city.refresh_from_db()
    assert city.languages == ["en", "nl"]  # in the platform's order
    assert city.colour == "#0b6e4f"


@pytest.mark.parametrize("languages", [["en", "de"], ["en", "xx" * 10], ["<script>"]])
def test_a_language_not_offered_is_refused(admin_client, city, languages):
    response = post(admin_client, city, languages=languages)
    assert response.status_code == 200
    assert "languages" in errors(response)
    assert City.objects.get(pk=city.pk).languages == city.languages


def test_no_language_at_all_is_refused(admin_client, city):
    data = change_form_data(admin_client.get(path(city)))
    del data["languages"]
    response = admin_client.post(path(city), data)
    assert response.status_code == 200
    assert "languages" in errors(response)


def test_the_default_language_must_be_ticked(admin_client, city):
    response = post(admin_client, city, languages=["fr", "nl"], default_language="en")
    assert response.status_code == 200
    assert "Tick the default language" in str(errors(response)["default_language"])
    assert City.objects.get(pk=city.pk).languages == city.languages


@pytest.mark.parametrize(
    "colour", ["red", "#12345", "#1234567", "#gg0000", "1d4e89", "", "#1d4e89;x", "  "]
)
def test_a_colour_that_is_not_hex_is_refused(admin_client, city, colour):
    response = post(admin_client, city, colour=colour)
    assert response.status_code == 200
    assert "colour" in errors(response)
    assert City.objects.get(pk=city.pk).colour == city.colour


@pytest.mark.parametrize("colour", ["#ffff00", "#ffffff", "#7a9cc6", "#808080"])
def test_a_colour_white_text_cannot_be_read_on_is_refused(admin_client, city, colour):
    response = post(admin_client, city, colour=colour)
    assert response.status_code == 200
    message = str(errors(response)["colour"])
    assert "at least 4.5:1" in message and "Choose a darker colour" in message
    assert City.objects.get(pk=city.pk).colour == city.colour


def test_a_colour_just_above_the_threshold_is_accepted(admin_client, city):
    # #767676 on white is 4.54:1.
    response = post(admin_client, city, colour="#767676")
    assert response.status_code == 302, errors(response)


def test_a_city_with_an_older_light_colour_can_still_save_other_settings(admin_client, city):
    City.objects.filter(pk=city.pk).update(colour="#FFFF00")
    response = post(admin_client, city, name="Riverton Town")
    assert response.status_code == 302, errors(response)
    city.refresh_from_db()
    assert city.name == "Riverton Town"
