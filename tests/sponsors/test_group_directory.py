"""The groups directory (/groups/) and the navigation's current section."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from civicideas.tenancy import city_context
from tests.conftest import client_for, host_of, make_member
from tests.sponsors.factories import GroupFactory, GroupMembershipFactory, InitiativeFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return re.findall(r'<h3><a href="/groups/\d+/">([^<]+)</a></h3>', response.content.decode())


@pytest.fixture
def anon(city):
    return Client(HTTP_HOST=host_of(city))


def test_lists_approved_groups_with_their_public_initiatives(anon, city, other_city):
    with city_context(city):
        garden = GroupFactory(name="Garden friends", approved_at=timezone.now())
        InitiativeFactory(group=garden)
        InitiativeFactory(group=garden, status="draft")
        GroupFactory(name="Not yet approved", approved_at=None)
    with city_context(other_city):
        GroupFactory(name="Lakeside rowers", approved_at=timezone.now())
    response = anon.get("/groups/")
    assert response.status_code == 200
    assert names(response) == ["Garden friends"]
    assert "1 initiative" in response.content.decode()
    assert 'href="/groups/" aria-current="page"' in response.content.decode()


def test_own_unapproved_group_is_listed_for_its_member(city):
    member = make_member(city)
    with city_context(city):
        group = GroupFactory(name="Our new group", approved_at=None)
        GroupMembershipFactory(group=group, user=member)
    html = client_for(member, city).get("/groups/").content.decode()
    assert "Our new group" in html and "awaiting the city" in html


@pytest.mark.parametrize("page", ["abc", "-1", "0", "9" * 300, "%00"])
def test_hostile_page_numbers(anon, city, page):
    with city_context(city):
        GroupFactory(approved_at=timezone.now())
    assert anon.get(f"/groups/?page={page}").status_code == 200


def test_wrong_method(anon):
    assert anon.post("/groups/").status_code == 405


@pytest.mark.parametrize("rows", [3, 30])
def test_query_count_does_not_grow(anon, city, rows, django_assert_max_num_queries):
    with city_context(city):
        for _n in range(rows):
            InitiativeFactory(group=GroupFactory(approved_at=timezone.now()))
    anon.get("/")
    with django_assert_max_num_queries(10):
        response = anon.get("/groups/")
    assert len(names(response)) == min(rows, 24)


@pytest.mark.parametrize(
    ("path", "link", "value"),
    [
        ("/challenges/", "/challenges/", "page"),
        ("/initiatives/", "/initiatives/", "page"),
        ("/notifications/", "/notifications/", "page"),
        ("/notifications/preferences/", "/notifications/", "true"),
        ("/me/", "/me/", "page"),
        ("/me/profile/", "/me/profile/", "page"),
    ],
)
def test_navigation_marks_the_current_section(city, path, link, value):
    html = client_for(make_member(city), city).get(path).content.decode()
    nav = html[html.index('class="site-nav"') :]
    nav = nav[: nav.index("</nav>")]
    assert nav.count("aria-current") == 1, nav
    assert re.search(rf'href="{re.escape(link)}"[^>]*aria-current="{value}"', nav)


def test_navigation_marks_challenges_on_an_idea_page(city):
    from tests.ideas.factories import IdeaFactory

    with city_context(city):
        idea = IdeaFactory()
    html = Client(HTTP_HOST=host_of(city)).get(f"/ideas/{idea.pk}/").content.decode()
    assert 'href="/challenges/" aria-current="true"' in html
