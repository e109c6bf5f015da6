"""``/api/v1/projects/``: reads for everyone (public projects), writes for
city administrators through ``projects.services``; another city's ids are
404 (in the path) or 400 (in the body), hostile input writes nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Department
from ideas.status import IdeaStatus
from projects.models import Milestone, Project, ProjectUpdate
from projects.status import ProjectStatus
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_member
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    DistrictFactory,
    IdeaFactory,
    SupportFactory,
)
from tests.projects.factories import (
    MilestoneFactory,
    ProjectFactory,
    ProjectIdeaFactory,
    ProjectUpdateFactory,
)

pytestmark = pytest.mark.django_db

ROLES = (None, Role.CITIZEN, Role.MODERATOR, Role.EVALUATOR, Role.CITY_ADMIN)


def client(city, role=None, user=None) -> ApiClient:
    if user is None and role is None:
        return ApiClient(city)
    user = user or make_member(city, role)
    return ApiClient(city, token_for(user, city))


@pytest.fixture
def admin(city):
    return make_member(city, Role.CITY_ADMIN, email="responsible.person@example.org")


@pytest.fixture
def admin_api(city, admin):
    return client(city, user=admin)


@pytest.fixture
def setup(city, admin):
    with city_context(city):
        department = Department.objects.create(city=city, name="Parks", slug="parks")
        category = CategoryFactory(slug="green")
        district = DistrictFactory(slug="north")
        challenge = ChallengeFactory()
        idea = IdeaFactory(challenge=challenge, status=IdeaStatus.ACCEPTED, support_count=7)
        project = ProjectFactory(
            title="Trees on the quay",
            category=category,
            district=district,
            department=department,
            responsible=admin,
            budget_planned=Decimal("50000"),
            budget_spent=Decimal("1200.50"),
        )
        ProjectIdeaFactory(project=project, idea=idea)
        MilestoneFactory(project=project, title="Dig", due_on=date(2026, 4, 1))
        ProjectUpdateFactory(project=project, author=admin, text="We started digging.")
        hidden = ProjectFactory(title="Not yet announced", is_public=False)
    return {
        "department": department,
        "category": category,
        "district": district,
        "challenge": challenge,
        "idea": idea,
        "project": project,
        "hidden": hidden,
    }


@pytest.fixture
def foreign(other_city):
    with city_context(other_city):
        idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
        project = ProjectFactory(title="Elsewhere")
        category = CategoryFactory()
    return {"idea": idea, "project": project, "category": category}


def count(city, model=Project, **filters) -> int:
    with city_context(city):
        return model.objects.filter(**filters).count()


# --- reading ---------------------------------------------------------------------


def test_detail_shows_progress_budget_ideas_milestones_updates_but_no_person(
    city, setup, admin, anon
):
    response = anon.get(f"/api/v1/projects/{setup['project'].pk}/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["budget_planned"] == "50000.00" and data["budget_spent"] == "1200.50"
    assert data["department"]["slug"] == "parks"
    assert data["responsible_role"] == "City administrator"
    assert [i["support_count"] for i in data["ideas"]] == [7]
    assert [m["title"] for m in data["milestones"]] == ["Dig"]
    assert [u["text"] for u in data["latest_updates"]] == ["We started digging."]
    assert "author" not in data["latest_updates"][0]
    assert response["ETag"] == f'"{data["lock_version"]}"'
    text = response.content.decode()
    assert admin.email not in text and "responsible.person" not in text
    assert "responsible" not in data


def test_nested_milestones_and_updates(city, setup, anon):
    pk = setup["project"].pk
    milestones = anon.get(f"/api/v1/projects/{pk}/milestones/").json()["results"]
    assert [m["title"] for m in milestones] == ["Dig"]
    updates = anon.get(f"/api/v1/projects/{pk}/updates/").json()["results"]
    assert [u["text"] for u in updates] == ["We started digging."]


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_hidden_project_only_for_city_admins(city, setup, role):
    api = client(city, role)
    pk = setup["hidden"].pk
    expected = 200 if role == Role.CITY_ADMIN else 404
    assert api.get(f"/api/v1/projects/{pk}/").status_code == expected
    assert api.get(f"/api/v1/projects/{pk}/milestones/").status_code == expected
    listed = {p["id"] for p in api.get("/api/v1/projects/").json()["results"]}
    assert (pk in listed) == (role == Role.CITY_ADMIN)


def test_another_citys_project_is_404_even_for_its_admin(city, other_city, setup, foreign):
    foreign_admin = make_member(other_city, Role.CITY_ADMIN)
    for api in (client(city, Role.CITY_ADMIN), client(city, user=foreign_admin)):
        pk = foreign["project"].pk
        assert api.get(f"/api/v1/projects/{pk}/").status_code == 404
        assert api.get(f"/api/v1/projects/{pk}/updates/").status_code == 404
    listed = client(city).get("/api/v1/projects/").json()["results"]
    assert foreign["project"].pk not in {p["id"] for p in listed}


def test_list_filters_search_and_sorts(city, setup, anon):
    with city_context(city):
        other = ProjectFactory(title="Bike lanes", status=ProjectStatus.IN_PROGRESS)
        other.progress = 80
        other.save()

    def ids(query: str) -> list[int]:
        response = anon.get(f"/api/v1/projects/{query}")
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["results"]]

    project = setup["project"].pk
    assert ids(f"?category={setup['category'].pk}") == [project]
    assert ids(f"?district={setup['district'].pk}") == [project]
    assert ids(f"?department={setup['department'].pk}") == [project]
    assert ids(f"?challenge={setup['challenge'].pk}") == [project]
    assert ids("?status=in_progress") == [other.pk]
    assert ids("?q=quay") == [project]
    assert ids("?q=BIKE") == [other.pk]
    assert ids("?sort=progress")[0] == other.pk
    assert ids("?sort=title") == [other.pk, project]
    for bad in ("?status=nope", "?category=abc", "?sort=random", "?challenge=-1"):
        assert anon.get(f"/api/v1/projects/{bad}").status_code == 400, bad


def test_list_query_count_does_not_grow_with_rows(city, setup, anon):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert anon.get("/api/v1/projects/?page_size=100").status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm the per-process caches (host, city)
    few = queries()
    with city_context(city):
        for _ in range(15):
            ProjectFactory(
                category=setup["category"],
                district=setup["district"],
                department=setup["department"],
            )
    assert queries() == few
    assert few <= 10


def test_nested_lists_query_count_does_not_grow(city, setup, anon):
    pk = setup["project"].pk

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert anon.get(path).status_code == 200
        return len(ctx.captured_queries)

    queries(f"/api/v1/projects/{pk}/")  # warm the per-process caches
    before = (queries(f"/api/v1/projects/{pk}/milestones/"), queries(f"/api/v1/projects/{pk}/"))
    with city_context(city):
        for n in range(10):
            MilestoneFactory(project=setup["project"], due_on=date(2026, 5, n + 1))
            ProjectUpdateFactory(project=setup["project"])
            ProjectIdeaFactory(project=setup["project"])
    after = (queries(f"/api/v1/projects/{pk}/milestones/"), queries(f"/api/v1/projects/{pk}/"))
    assert after == before


# --- writing ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_only_city_admins_create(city, setup, role):
    api = client(city, role)
    body = {"title": "New square", "ideas": [setup["idea"].pk]}
    response = api.post_json("/api/v1/projects/", {**body, "ideas": []})
    expected = {None: 401, Role.CITY_ADMIN: 201}.get(role, 403)
    assert response.status_code == expected, response.content
    assert {"code", "detail"} <= set(response.json()) or expected == 201


def test_another_citys_admin_cannot_write_here(city, other_city, setup):
    api = client(city, user=make_member(other_city, Role.CITY_ADMIN))
    pk = setup["project"].pk
    assert api.post_json("/api/v1/projects/", {"title": "X"}).status_code == 403
    assert api.patch_json(f"/api/v1/projects/{pk}/", {"title": "X"}).status_code == 403
    assert api.post_json(f"/api/v1/projects/{pk}/updates/", {"text": "X"}).status_code == 403
    assert count(city, title="X") == 0


def test_create_links_ideas_and_answers_detail(city, setup, admin_api):
    with city_context(city):
        idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    response = admin_api.post_json(
        "/api/v1/projects/",
        {
            "title": "Benches",
            "ideas": [idea.pk],
            "category": setup["category"].pk,
            "department": setup["department"].pk,
            "budget_planned": "1000.00",
            "planned_start": "2026-01-01",
            "planned_end": "2026-06-30",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert [i["id"] for i in data["ideas"]] == [idea.pk]
    assert data["status"] == "planned" and data["lock_version"] >= 1


@pytest.mark.parametrize(
    "body,field",
    [
        ({"budget_planned": "-1"}, "budget"),
        ({"budget_spent": "99999999999999"}, "budget"),
        ({"budget_planned": "NaN"}, "budget"),
        ({"planned_start": "2026-05-01", "planned_end": "2026-04-01"}, "date"),
        ({"actual_start": "2026-05-01", "actual_end": "2026-04-01"}, "date"),
        ({"title": "x" * 151}, "title"),
        ({"title": "\u200b"}, "title"),
        ({"category": 10**30}, "category"),
        ({"category": True}, "category"),
        ({"weight": 0}, "weight"),
        ({"progress_override": 50}, "reason"),
        ({"latitude": "50.1"}, "longitude"),
    ],
)
def test_hostile_create_is_400_and_writes_nothing(city, setup, admin_api, body, field):
    before = count(city)
    response = admin_api.post_json("/api/v1/projects/", {"title": "Benches", **body})
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    assert count(city) == before


def test_other_citys_ids_in_the_body_are_400(city, setup, foreign, admin_api):
    before = count(city)
    for body in (
        {"title": "A", "ideas": [foreign["idea"].pk]},
        {"title": "A", "category": foreign["category"].pk},
        {"title": "A", "parent": foreign["project"].pk},
    ):
        response = admin_api.post_json("/api/v1/projects/", body)
        assert response.status_code == 400, (body, response.content)
    assert count(city) == before


def test_an_idea_not_accepted_or_already_linked_is_refused(city, setup, admin_api):
    with city_context(city):
        published = IdeaFactory(status=IdeaStatus.PUBLISHED)
    for idea in (published, setup["idea"]):
        response = admin_api.post_json("/api/v1/projects/", {"title": "A", "ideas": [idea.pk]})
        assert response.status_code == 400, response.content
    assert count(city, title="A") == 0


def test_edit_with_if_match_and_stale_versions(city, setup, admin_api):
    pk = setup["project"].pk
    url = f"/api/v1/projects/{pk}/"
    etag = admin_api.get(url)["ETag"]
    response = admin_api.patch_json(url, {"title": "Trees, first part"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    stale = admin_api.patch_json(url, {"title": "Lost update"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["lock_version"] == int(response["ETag"].strip('"'))
    old = int(etag.strip('"'))
    assert admin_api.patch_json(url, {"title": "Lost", "lock_version": old}).status_code == 409
    assert admin_api.patch_json(url, {"title": "Lost"}, HTTP_IF_MATCH='"x"').status_code == 400
    with city_context(city):
        assert Project.objects.get(pk=pk).title == "Trees, first part"


def test_edit_reversed_dates_and_negative_budget_write_nothing(city, setup, admin_api):
    url = f"/api/v1/projects/{setup['project'].pk}/"
    for body in ({"planned_end": "2020-01-01"}, {"budget_spent": "-5"}):
        assert admin_api.patch_json(url, body).status_code == 400, body
    with city_context(city):
        project = Project.objects.get(pk=setup["project"].pk)
    assert project.planned_end == date(2026, 12, 31)
    assert project.budget_spent == Decimal("1200.50")


def test_set_status_moves_ideas_and_needs_a_reason_to_stop(city, setup, admin_api):
    pk = setup["project"].pk
    url = f"/api/v1/projects/{pk}/status/"
    assert admin_api.post_json(url, {"status": "stopped"}).status_code == 400
    assert admin_api.post_json(url, {"status": "done"}).status_code == 400  # not started
    assert admin_api.post_json(url, {"status": "flying"}).status_code == 400
    response = admin_api.post_json(url, {"status": "in_progress", "on": "2026-03-02"})
    assert response.status_code == 200, response.content
    assert response.json()["actual_start"] == "2026-03-02"
    with city_context(city):
        setup["idea"].refresh_from_db()
    assert setup["idea"].status == IdeaStatus.IN_PROGRESS
    stale = admin_api.post_json(
        url, {"status": "stopped", "reason": "No money"}, HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_milestones_and_updates_are_written_by_city_admins_only(city, setup, role):
    api = client(city, role)
    pk = setup["project"].pk
    expected = {None: 401, Role.CITY_ADMIN: 201}.get(role, 403)
    response = api.post_json(
        f"/api/v1/projects/{pk}/milestones/", {"title": "Plant", "due_on": "2026-09-01"}
    )
    assert response.status_code == expected, response.content
    response = api.post_json(f"/api/v1/projects/{pk}/updates/", {"text": "Planted."})
    assert response.status_code == expected, response.content


def test_milestone_reversed_dates_and_update_notifies(city, setup, admin_api):
    pk = setup["project"].pk
    with city_context(city):
        SupportFactory(idea=setup["idea"])
    response = admin_api.post_json(
        f"/api/v1/projects/{pk}/milestones/",
        {"title": "Plant", "starts_on": "2026-09-02", "due_on": "2026-09-01"},
    )
    assert response.status_code == 400
    assert count(city, Milestone, title="Plant") == 0
    before = count(city, Notification)
    response = admin_api.post_json(f"/api/v1/projects/{pk}/updates/", {"text": "Planted."})
    assert response.status_code == 201, response.content
    assert count(city, ProjectUpdate, text="Planted.") == 1
    assert count(city, Notification) > before


def test_writes_on_another_citys_project_are_404(city, setup, foreign, admin_api):
    pk = foreign["project"].pk
    for path, body in (
        (f"/api/v1/projects/{pk}/status/", {"status": "in_progress"}),
        (f"/api/v1/projects/{pk}/milestones/", {"title": "M", "due_on": "2026-01-01"}),
        (f"/api/v1/projects/{pk}/updates/", {"text": "U"}),
    ):
        assert admin_api.post_json(path, body).status_code == 404, path
    assert admin_api.patch_json(f"/api/v1/projects/{pk}/", {"title": "Z"}).status_code == 404
    with city_context(foreign["project"].city):
        assert Project.objects.get(pk=pk).title == "Elsewhere"


def test_bad_ids_in_the_path_are_json_404(city, anon):
    for path in ("/api/v1/projects/abc/", "/api/v1/projects/1.5/", f"/api/v1/projects/{10**20}/"):
        response = anon.get(path)
        assert response.status_code == 404
        assert json.loads(response.content)["code"] == "not_found"
