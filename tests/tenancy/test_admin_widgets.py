"""Foreign keys to people and ideas in the back office's forms (issue 12):
a form never lists the platform's users or the city's ideas in a select
(pages of thousands of options that also show people who are not the
city's); they are typed (email), searched (autocomplete) or entered by id
(raw id), or the select holds a small set (the city's evaluators)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from tests.conftest import client_for, make_member
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db

STRANGER = "stranger.not.a.member@example.org"
IDEA_TITLE = "An idea whose title must not be an option"


def add_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        meta = model._meta
        try:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        except NoReverseMatch:
            continue
    return urls


def test_no_add_form_lists_people_or_ideas(city):
    UserFactory(email=STRANGER)
    with city_context(city):
        IdeaFactory(title=IDEA_TITLE)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    checked = 0
    for url in add_urls():
        response = client.get(url)
        if response.status_code != 200:
            continue  # no add permission: the form is never shown
        checked += 1
        html = response.content.decode()
        assert STRANGER not in html, url
        assert f">{IDEA_TITLE}</option>" not in html, url
    assert checked >= 5
