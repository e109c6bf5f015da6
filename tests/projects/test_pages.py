"""The public project pages: what citizens see, who sees what, query counts."""

from datetime import date

import pytest
from django.test import Client

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from civicideas.web import page_cache
from ideas.status import IdeaStatus
from projects import services
from projects.models import ProjectFollow
from projects.status import ProjectStatus
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import CategoryFactory, ChallengeFactory, IdeaFactory
from tests.ideas.test_views import TENANCY_STATEMENTS
from tests.projects.factories import MilestoneFactory, ProjectFactory, ProjectUpdateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    with city_context(city):
        admin = make_member(city, Role.CITY_ADMIN)
        idea = IdeaFactory(status=IdeaStatus.ACCEPTED, title="Benches by the river")
        project = services.project_create(
            by=admin,
            title="River benches",
            ideas=[idea],
            budget_planned="20000",
            budget_spent="5000",
            planned_start=date(2026, 1, 1),
            planned_end=date(2026, 2, 1),
        )
        MilestoneFactory(project=project, title="Order benches", done_on=date(2026, 1, 10))
        MilestoneFactory(project=project, title="Install benches", due_on=date(2026, 3, 1))
        services.project_refresh_progress(project=project)
        ProjectUpdateFactory(project=project, text="Ten benches ordered.")
        hidden = ProjectFactory(title="Secret plan", is_public=False)
    return {"admin": admin, "idea": idea, "project": project, "hidden": hidden}


def test_list_shows_public_projects_with_progress(city_client, world):
    response = city_client.get("/projects/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "River benches" in page
    assert "Secret plan" not in page
    assert 'value="50"' in page  # one of two milestones done
    assert "1 of 2 milestones" in page
    assert "1 citizen idea" in page


def test_detail_shows_plan_money_ideas_and_news(city_client, world):
    page = city_client.get(f"/projects/{world['project'].pk}/").content.decode()
    for text in (
        "River benches",
        "Order benches",
        "Install benches",
        "Benches by the river",
        "Ten benches ordered.",
        "20,000",
        "5,000",
    ):
        assert text in page, text
    # The responsible civil servant is never named on public pages.
    assert world["admin"].email not in page


def test_hidden_project_is_404_to_the_public_and_visible_to_admins(city, city_client, world):
    url = f"/projects/{world['hidden'].pk}/"
    assert city_client.get(url).status_code == 404
    assert client_for(make_member(city, Role.CITIZEN), city).get(url).status_code == 404
    assert client_for(world["admin"], city).get(url).status_code == 200


def test_another_citys_project_is_404(other_city, world):
    client = Client(HTTP_HOST=host_of(other_city))
    assert client.get(f"/projects/{world['project'].pk}/").status_code == 404


@pytest.mark.parametrize("raw", ["abc", "0", "99999999999999999999", "-1", "1e3"])
def test_hostile_ids_are_404(city_client, world, raw):
    assert city_client.get(f"/projects/{raw}/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "?status=nope",
        "?category=abc",
        "?district=-1",
        "?challenge=99999999999999999999",
        "?sort=%00",
        "?page=abc",
        "?q=" + "x" * 5000,
        "?q=%00",
    ],
)
def test_hostile_filters_never_fail(city_client, world, query):
    assert city_client.get("/projects/" + query).status_code == 200


def test_filters(city, city_client, world):
    with city_context(city):
        parks = CategoryFactory(name="Parks")
        ProjectFactory(title="Park lights", category=parks, status=ProjectStatus.IN_PROGRESS)
    page = city_client.get(f"/projects/?category={parks.pk}").content.decode()
    assert "Park lights" in page and "River benches" not in page
    page = city_client.get("/projects/?status=planned").content.decode()
    assert "River benches" in page and "Park lights" not in page
    page = city_client.get("/projects/?q=benches").content.decode()
    assert "River benches" in page and "Park lights" not in page
    challenge = world["idea"].challenge_id
    page = city_client.get(f"/projects/?challenge={challenge}").content.decode()
    assert "River benches" in page and "Park lights" not in page


def test_late_project_says_so(city_client, world):
    page = city_client.get(f"/projects/{world['project'].pk}/").content.decode()
    assert "running past its planned end" in page


def test_idea_page_shows_its_project(city_client, world):
    page = city_client.get(f"/ideas/{world['idea'].pk}/").content.decode()
    assert "The city is carrying out this idea" in page
    assert f"/projects/{world['project'].pk}/" in page
    assert "Ten benches ordered." in page


def test_follow_and_unfollow(city, world):
    citizen = make_member(city, Role.CITIZEN)
    client = client_for(citizen, city)
    url = f"/projects/{world['project'].pk}/follow/"
    assert client.post(url).status_code == 302
    with city_context(city):
        assert ProjectFollow.objects.filter(user=citizen).count() == 1
    client.post(url)  # twice: still one
    client.post(url, {"action": "unfollow"})
    with city_context(city):
        assert not ProjectFollow.objects.filter(user=citizen).exists()


def test_follow_needs_sign_in_and_a_visible_project(city, city_client, world):
    response = city_client.post(f"/projects/{world['project'].pk}/follow/")
    assert response.status_code == 302 and "login" in response["Location"]
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    assert citizen.post(f"/projects/{world['hidden'].pk}/follow/").status_code == 404


@pytest.mark.parametrize("rows", [1, 15])
def test_list_query_count_does_not_grow(city, city_client, rows, django_assert_max_num_queries):
    with city_context(city):
        for _ in range(rows):
            project = ProjectFactory()
            MilestoneFactory(project=project)
            ProjectUpdateFactory(project=project)
    with django_assert_max_num_queries(10 + TENANCY_STATEMENTS):
        assert city_client.get("/projects/").status_code == 200


@pytest.mark.parametrize("challenges", [1, 6])
def test_list_signed_in_query_count_does_not_grow_with_challenges(
    city, challenges, django_assert_max_num_queries
):
    """The challenge filter's choices are read whole (a deferred field read
    one challenge at a time before)."""
    with city_context(city):
        for _ in range(challenges):
            ChallengeFactory()
        ProjectFactory()
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    with django_assert_max_num_queries(10 + TENANCY_STATEMENTS):
        assert citizen.get("/projects/").status_code == 200


@pytest.mark.parametrize("rows", [1, 15])
def test_detail_query_count_does_not_grow(city, rows, django_assert_max_num_queries):
    with city_context(city):
        admin = make_member(city, Role.CITY_ADMIN)
        ideas = [IdeaFactory(status=IdeaStatus.ACCEPTED) for _ in range(rows)]
        project = services.project_create(by=admin, title="Big", ideas=ideas)
        for _ in range(rows):
            MilestoneFactory(project=project)
            ProjectUpdateFactory(project=project)
    client = Client(HTTP_HOST=host_of(city))
    # The request's own statements (host, savepoints, city setting, session,
    # user, roles) come on top of the page's.
    with django_assert_max_num_queries(10 + TENANCY_STATEMENTS):
        assert client.get(f"/projects/{project.pk}/").status_code == 200


def test_shared_page_keeps_each_persons_actions(city, world):
    """The project's page is shared between people; its follow button and
    the back-office link are each person's own."""
    follower = make_member(city, Role.CITIZEN)
    with city_context(city):
        services.project_follow(project=world["project"], user=follower)
    url = f"/projects/{world['project'].pk}/"
    viewers = {
        "admin": client_for(world["admin"], city),
        "follower": client_for(follower, city),
        "citizen": client_for(make_member(city, Role.CITIZEN), city),
        "anonymous": Client(HTTP_HOST=host_of(city)),
    }
    for _round in range(2):
        pages = {name: client.get(url).content.decode() for name, client in viewers.items()}
        assert "Manage in the back office" in pages["admin"]
        assert all("Manage in the back office" not in pages[n] for n in pages if n != "admin")
        assert "Stop following this project" in pages["follower"]
        assert "Follow this project" in pages["citizen"]
        assert "Stop following" not in pages["citizen"]
        assert "Sign in to follow this project" in pages["anonymous"]
        assert pages["citizen"].count('name="csrfmiddlewaretoken"') >= 1
        assert "<!-- project-actions -->" not in pages["citizen"]


def test_shared_pages_follow_changes_and_never_show_hidden_projects(
    city, world, django_capture_on_commit_callbacks
):
    admin = client_for(world["admin"], city)
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    assert "Secret plan" in admin.get("/projects/").content.decode()
    assert "Secret plan" not in citizen.get("/projects/").content.decode()
    url = f"/projects/{world['project'].pk}/"
    assert "Paint the benches" not in citizen.get(url).content.decode()
    with city_context(city), django_capture_on_commit_callbacks(execute=True):
        services.milestone_save(
            project=world["project"],
            by=world["admin"],
            title="Paint the benches",
            due_on=date(2026, 4, 1),
        )
    assert "Paint the benches" in citizen.get(url).content.decode()


def test_anonymous_project_page_sets_no_cookie_and_stays_cacheable(city, world):
    """The follow form's token is drawn only for people who can follow: an
    anonymous visitor gets no CSRF cookie (a response setting one is never
    stored by the page cache), so the second view is a page-cache hit."""
    client = Client(HTTP_HOST=host_of(city))
    url = f"/projects/{world['project'].pk}/"
    first = client.get(url)
    assert "csrftoken" not in first.cookies
    assert client.get(url)[page_cache.STATUS_HEADER] == "hit"
