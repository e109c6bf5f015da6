"""Challenges, categories, districts and official answers in each of the
city's languages (issue 13): pages, admin, API and open data."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from civicideas.content.translations import set_translation
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Challenge, Idea, StatusChange
from ideas.status import IdeaStatus
from tests.api.conftest import ApiClient
from tests.conftest import client_for, make_member
from tests.factories import CityFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    IdeaFactory,
    challenge_data,
)

pytestmark = pytest.mark.django_db

ADD = "/admin/ideas/challenge/add/"


@pytest.fixture
def lakeside(db):
    return CityFactory(
        slug="lakeside", name="Lakeside", languages=["fr", "nl"], default_language="fr"
    )


@pytest.fixture
def challenge(lakeside):
    with city_context(lakeside):
        challenge = ChallengeFactory(
            title="Des places plus vertes",
            slug="places",
            summary="Plantons des arbres",
            description="Où planter ?",
            phase=Challenge.Phase.IDEAS,
        )
        # Dutch title only: summary and description fall back to French.
        set_translation(challenge, "nl", {"title": "Groenere pleinen"})
        challenge.save()
        category = CategoryFactory(name="Nature", slug="nature")
        set_translation(category, "nl", {"name": "Natuur"})
        category.save()
        challenge.categories.add(category)
    return challenge


def _page(city, path: str, language: str) -> str:
    client = Client(HTTP_HOST=f"{city.slug}.localhost")
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_challenge_page_in_dutch_marks_the_french_fallback(lakeside, challenge):
    page = _page(lakeside, "/challenges/places/", "nl")
    assert "<h1>Groenere pleinen</h1>" in page
    assert '<p class="lead" lang="fr">Plantons des arbres</p>' in page
    assert '<div class="markdown" lang="fr">' in page


def test_the_challenge_page_in_the_default_language_has_no_lang_noise(lakeside, challenge):
    page = _page(lakeside, "/challenges/places/", "fr")
    assert "<h1>Des places plus vertes</h1>" in page
    assert '<p class="lead">Plantons des arbres</p>' in page
    assert "Groenere pleinen" not in page


def test_the_home_page_lists_challenges_in_the_visitors_language(lakeside, challenge):
    page = _page(lakeside, "/", "nl")
    assert "Groenere pleinen" in page
    assert '<p class="card-text" lang="fr">Plantons des arbres</p>' in page


def test_category_names_in_filters_follow_the_page_language(lakeside, challenge):
    assert ">Natuur</option>" in _page(lakeside, "/challenges/places/", "nl")
    assert ">Nature</option>" in _page(lakeside, "/challenges/places/", "fr")


def test_the_plain_field_keeps_the_default_language(lakeside, challenge):
    with city_context(lakeside):
        assert Challenge.objects.get(pk=challenge.pk).title == "Des places plus vertes"


# --- the admin


@pytest.fixture
def admin_client(lakeside):
    return client_for(make_member(lakeside, Role.CITY_ADMIN), lakeside)


def test_the_admin_add_form_has_one_fieldset_per_other_city_language(admin_client):
    page = admin_client.get(ADD).content.decode()
    for field in ("title", "summary", "description"):
        assert f'name="tr_nl_{field}"' in page
        assert f'name="tr_fr_{field}"' not in page
        assert f'name="tr_en_{field}"' not in page
    assert "Nederlands" in page


def test_the_admin_saves_every_language(admin_client, lakeside):
    data = challenge_data(
        title="Rues sûres", tr_nl_title="Veilige straten", tr_nl_description="Hoe?"
    )
    response = admin_client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with city_context(lakeside):
        saved = Challenge.objects.get(slug="safer-streets")
    assert saved.title == "Rues sûres"
    assert saved.translations == {"nl": {"title": "Veilige straten", "description": "Hoe?"}}


@pytest.mark.parametrize("title", ["", "   ", "\u200b"])
def test_the_admin_requires_the_default_language(admin_client, lakeside, title):
    data = challenge_data(title=title, tr_nl_title="Veilige straten")
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    with city_context(lakeside):
        assert not Challenge.objects.filter(slug="safer-streets").exists()


@pytest.mark.parametrize("field", ["tr_en_title", "tr_de_title", "tr_fr_title", "tr_nl_slug"])
def test_the_admin_refuses_a_language_or_field_not_offered(admin_client, lakeside, field):
    response = admin_client.post(ADD, challenge_data(**{field: "Safer streets"}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert [error.code for error in errors] == ["language_not_offered"]
    with city_context(lakeside):
        assert not Challenge.objects.filter(slug="safer-streets").exists()


def test_an_over_long_translation_is_a_form_error(admin_client, lakeside):
    response = admin_client.post(ADD, challenge_data(tr_nl_title="x" * 151))
    assert response.status_code == 200
    assert "tr_nl_title" in response.context["adminform"].form.errors
    with city_context(lakeside):
        assert not Challenge.objects.filter(slug="safer-streets").exists()


# --- official answers


@pytest.fixture
def idea(lakeside, challenge):
    with city_context(lakeside):
        return IdeaFactory(challenge=challenge, status=IdeaStatus.PUBLISHED, language="nl")


def test_an_official_answer_in_both_languages(lakeside, idea):
    staff = make_member(lakeside, Role.MODERATOR)
    client = client_for(staff, lakeside)
    path = f"/admin/ideas/idea/{idea.pk}/status/"
    with city_context(lakeside):
        version = Idea.objects.get(pk=idea.pk).lock_version
    response = client.post(
        path,
        {
            "answer-status": IdeaStatus.UNDER_EVALUATION,
            "answer-message": "Nous étudions votre idée.",
            "answer-message_nl": "We bestuderen uw idee.",
            "answer-lock_version": version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with city_context(lakeside):
        change = StatusChange.objects.get(idea=idea, is_official=True)
    assert change.message == "Nous étudions votre idée."
    assert change.translations == {"nl": {"message": "We bestuderen uw idee."}}
    page = _page(lakeside, f"/ideas/{idea.pk}/", "nl")
    assert "We bestuderen uw idee." in page


def test_an_official_answer_in_a_language_not_offered_is_refused(lakeside, idea):
    staff = make_member(lakeside, Role.MODERATOR)
    client = client_for(staff, lakeside)
    with city_context(lakeside):
        version = Idea.objects.get(pk=idea.pk).lock_version
    response = client.post(
        f"/admin/ideas/idea/{idea.pk}/status/",
        {
            "answer-status": IdeaStatus.UNDER_EVALUATION,
            "answer-message": "Nous étudions votre idée.",
            "answer-message_de": "Wir prüfen.",
            "answer-lock_version": version,
        },
    )
    assert response.status_code == 400
    errors = response.context["status_form"].non_field_errors().as_data()
    assert [error.code for error in errors] == ["language_not_offered"]
    with city_context(lakeside):
        assert not StatusChange.objects.filter(idea=idea, is_official=True).exists()


def test_the_service_refuses_a_language_not_offered(lakeside, idea):
    from civicideas.errors import ServiceError

    staff = make_member(lakeside, Role.MODERATOR)
    with city_context(lakeside), pytest.raises(ServiceError):
        services.idea_set_status(
            idea=idea,
            by=staff,
            status=IdeaStatus.UNDER_EVALUATION,
            message="Nous étudions votre idée.",
            message_translations={"en": "We are studying it."},
        )
    with city_context(lakeside):
        assert not StatusChange.objects.filter(idea=idea, is_official=True).exists()


# --- API and open data


def test_the_api_exposes_every_language(lakeside, challenge):
    body = ApiClient(lakeside).get(f"/api/v1/challenges/{challenge.pk}/").json()
    assert body["title"] == "Des places plus vertes"
    assert body["title_i18n"] == {"fr": "Des places plus vertes", "nl": "Groenere pleinen"}
    assert body["summary_i18n"] == {"fr": "Plantons des arbres"}
    assert body["categories"][0]["name_i18n"] == {"fr": "Nature", "nl": "Natuur"}


def test_open_data_exposes_every_language(lakeside, challenge):
    client = ApiClient(lakeside)
    records = json.loads(
        b"".join(client.get("/api/v1/open-data/challenges.json").streaming_content)
    )
    record = records["records"][0]
    assert record["language"] == "fr"
    assert record["translations"] == {"nl": {"title": "Groenere pleinen"}}
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(client.get("/api/v1/open-data/challenges.csv").streaming_content).decode()
            )
        )
    )
    assert json.loads(rows[0]["translations"]) == {"nl": {"title": "Groenere pleinen"}}


def test_localized_lists_make_no_query_per_row(lakeside, challenge):
    """The fallback reads the current city, not each row's city."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(query: str) -> int:
        client = Client(HTTP_HOST="lakeside.localhost", HTTP_ACCEPT_LANGUAGE="nl")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/?{query}").status_code == 200
        return len(queries)

    count("warm-up")  # the host cache and the like, once per process
    few = count("n=1")
    with city_context(lakeside):
        for n in range(5):
            extra = ChallengeFactory(slug=f"more-{n}", phase=Challenge.Phase.IDEAS)
            set_translation(extra, "nl", {"title": f"Meer {n}"})
            extra.save()
    assert count("n=6") == few
