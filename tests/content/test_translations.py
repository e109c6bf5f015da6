"""City-authored text per language (issue 13): the fallback is the city's
default language (not the site's), the template marks a fallback with
``lang``, the admin offers exactly the city's languages and refuses others."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from civicideas.content.translations import (
    all_languages,
    localized,
    set_translation,
)
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from tests.concurrency import change_form_data
from tests.conftest import client_for, make_member
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lakeside(db):
    """French by default, Dutch too; the site's LANGUAGE_CODE is English."""
    city = CityFactory(
        slug="lakeside", name="Lakeside", languages=["fr", "nl"], default_language="fr"
    )
    city.home_intro = "Bienvenue à Lakeside"
    city.privacy_notice = "Vos données restent chez nous."
    set_translation(city, "nl", {"home_intro": "Welkom in Lakeside"})
    city.save()
    return city


def test_the_visitors_language_when_translated(lakeside):
    with city_context(lakeside), translation.override("nl"):
        text = localized(lakeside, "home_intro")
    assert (text.text, text.language) == ("Welkom in Lakeside", "nl")


def test_a_missing_translation_falls_back_to_the_city_default_not_the_site(lakeside):
    with city_context(lakeside), translation.override("nl"):
        text = localized(lakeside, "privacy_notice")
    assert (text.text, text.language) == ("Vos données restent chez nous.", "fr")
    # English is not the city's: the default language still, not LANGUAGE_CODE.
    with city_context(lakeside), translation.override("en"):
        assert localized(lakeside, "home_intro").language == "fr"


@pytest.mark.parametrize("blank", ["", "   ", "\u200b\u00a0"])
def test_an_invisible_translation_counts_as_missing(lakeside, blank):
    lakeside.translations = {"nl": {"home_intro": blank}}
    with translation.override("nl"):
        assert localized(lakeside, "home_intro").text == "Bienvenue à Lakeside"


def test_hostile_stored_translations_are_ignored(lakeside):
    lakeside.translations = {"nl": "not a dict", "xx": {"home_intro": "?"}, "en": None}
    with translation.override("nl"):
        assert localized(lakeside, "home_intro").language == "fr"
    assert all_languages(lakeside, "home_intro") == {"fr": "Bienvenue à Lakeside"}


def test_all_languages_lists_the_default_first(lakeside):
    assert all_languages(lakeside, "home_intro") == {
        "fr": "Bienvenue à Lakeside",
        "nl": "Welkom in Lakeside",
    }
    assert list(all_languages(lakeside, "home_intro")) == ["fr", "nl"]


def test_set_translation_refuses_unknown_fields_and_languages(lakeside):
    with pytest.raises(ValueError):
        set_translation(lakeside, "nl", {"name": "Meerzicht"})
    with pytest.raises(ValueError):
        set_translation(lakeside, "de", {"home_intro": "Willkommen"})
    set_translation(lakeside, "nl", {"home_intro": ""})
    assert "nl" not in lakeside.translations


@pytest.mark.parametrize(
    ("page", "expected"),
    [("fr", "<p>Bienvenue à Lakeside</p>"), ("nl", '<p lang="fr">Bienvenue à Lakeside</p>')],
)
def test_the_template_filter_marks_a_fallback_with_lang(lakeside, page, expected):
    lakeside.translations = {}
    template = Template(
        '{% load civic_i18n %}{% with t=city|tr:"home_intro" %}<p{{ t.lang_attr }}>{{ t }}</p>'
        "{% endwith %}"
    )
    with translation.override(page):
        assert template.render(Context({"city": lakeside})) == expected


def test_the_template_filter_escapes(lakeside):
    set_translation(lakeside, "nl", {"home_intro": "<script>alert(1)</script>"})
    template = Template('{% load civic_i18n %}{{ city|tr:"home_intro" }}')
    with translation.override("nl"):
        assert "<script>" not in template.render(Context({"city": lakeside}))


# --- the admin: one fieldset per city language, default required, no other language


def _admin(city):
    return client_for(make_member(city, Role.CITY_ADMIN), city)


def _path(city) -> str:
    return f"/admin/tenancy/city/{city.pk}/change/"


def test_the_admin_offers_the_citys_other_languages_only(lakeside):
    page = _admin(lakeside).get(_path(lakeside)).content.decode()
    assert 'name="tr_nl_home_intro"' in page
    assert 'name="tr_fr_home_intro"' not in page  # French is the ordinary field
    assert 'name="tr_en_home_intro"' not in page  # English is not offered
    assert "Nederlands" in page
    assert 'lang="nl"' in page


def test_the_admin_saves_a_translation(lakeside):
    client = _admin(lakeside)
    data = change_form_data(client.get(_path(lakeside)), tr_nl_privacy_notice="Uw gegevens.")
    assert client.post(_path(lakeside), data).status_code == 302
    fresh = City.objects.get(pk=lakeside.pk)
    assert fresh.translations["nl"] == {
        "home_intro": "Welkom in Lakeside",
        "privacy_notice": "Uw gegevens.",
    }


@pytest.mark.parametrize("field", ["tr_de_home_intro", "tr_en_home_intro", "tr_fr_home_intro"])
def test_a_language_the_city_does_not_offer_is_a_form_error(lakeside, field):
    client = _admin(lakeside)
    data = change_form_data(client.get(_path(lakeside)), **{field: "Hallo"})
    response = client.post(_path(lakeside), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert [error.code for error in errors] == ["language_not_offered"]
    assert City.objects.get(pk=lakeside.pk).translations == {
        "nl": {"home_intro": "Welkom in Lakeside"}
    }


# --- the pages


def test_the_home_page_shows_the_intro_in_the_visitors_language(lakeside):
    from django.test import Client

    client = Client(HTTP_HOST="lakeside.localhost")
    nl = client.get("/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Welkom in Lakeside" in nl
    fr = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Bienvenue à Lakeside" in fr


def test_the_privacy_page_falls_back_with_lang(lakeside):
    from django.test import Client

    client = Client(HTTP_HOST="lakeside.localhost")
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<div class="privacy-notice markdown" lang="fr">' in page
    assert "Vos données restent chez nous." in page


def test_without_a_notice_the_privacy_page_shows_the_default_one(city):
    from django.test import Client

    page = Client(HTTP_HOST="riverton.localhost").get("/privacy/")
    assert page.status_code == 200
    assert 'class="privacy-notice markdown">' in page.content.decode()
