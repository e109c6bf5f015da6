"""``/me/delete/``: the page says what happens, the password confirms it,
and nothing is deleted on a wrong or hostile answer."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from civicideas.tenancy.context import city_context
from ideas.models import Comment, Idea
from tests.conftest import client_for, host_of, make_member
from tests.factories import PASSWORD
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(city):
    return make_member(city, email="leaving@example.org")


def exists(user) -> bool:
    return get_user_model().objects.filter(pk=user.pk).exists()


def test_page_explains_what_happens(city, person):
    response = client_for(person, city).get("/me/delete/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Former participant" in text and 'name="password"' in text
    assert 'autocomplete="current-password"' in text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"password": "wrong"},
        {"password": "\u200b"},
        {"password": PASSWORD.upper()},
        {"password": "x" * 100_000},
        {"password": "\x00"},
    ],
)
def test_wrong_password_deletes_nothing(city, person, data):
    client = client_for(person, city)
    response = client.post("/me/delete/", data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert exists(person)
    assert client.get("/me/profile/").status_code == 200  # still signed in


def test_right_password_deletes_and_signs_out(city, person):
    client = client_for(person, city)
    with city_context(city):
        idea = IdeaFactory(author=person)
    response = client.post("/me/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not exists(person)
    assert client.get("/me/profile/").status_code == 302  # signed out
    with city_context(city):
        assert Idea.objects.get(pk=idea.pk).title == idea.title


def test_delete_contributions_choice(city, person):
    with city_context(city):
        idea = IdeaFactory(author=person)
        comment = Comment.objects.create(
            city=city, idea=IdeaFactory(), author=person, body="Mine", language="en"
        )
    response = client_for(person, city).post(
        "/me/delete/", {"password": PASSWORD, "delete_contributions": "on"}
    )
    assert response.status_code == 302
    with city_context(city):
        assert Idea.objects.get(pk=idea.pk).status == "withdrawn"
        assert Comment.objects.get(pk=comment.pk).body == ""


def test_anonymous_and_wrong_method(city, person):
    anonymous = Client(HTTP_HOST=host_of(city))
    response = anonymous.post("/me/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(person, city).put("/me/delete/").status_code == 405
    assert exists(person)


def test_no_password_asks_to_set_one(city, person):
    person.set_unusable_password()
    person.save()
    client = client_for(person, city)
    assert "set a password" in client.get("/me/delete/").content.decode()
    assert client.post("/me/delete/", {"password": ""}).status_code == 400
    assert exists(person)


def test_platform_host_has_no_delete_page(person):
    assert Client().get("/me/delete/").status_code in (400, 404)


def test_password_guesses_share_the_sign_in_budget(city, person, settings):
    client = client_for(person, city)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert client.post("/me/delete/", {"password": "guess"}).status_code == 400
    locked = client.post("/me/delete/", {"password": PASSWORD})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "Too many failed" in locked.content.decode()
    assert exists(person)
