"""The projects back office: everything through the services, refusals as
form errors, nothing written on bad input, other cities invisible."""

from datetime import date

import pytest

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.status import IdeaStatus
from projects.models import Milestone, Project, ProjectUpdate
from projects.status import ProjectStatus
from tests.conftest import client_for, lock_version_of, make_member
from tests.ideas.factories import IdeaFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/projects/project/add/"


def inline_management(prefix: str, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(initial),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def post_data(**fields) -> dict:
    data = {
        "title": "River benches",
        "description": "",
        "weight": "1",
        "is_public": "on",
        **inline_management("milestones"),
        **inline_management("updates"),
        **inline_management("status_changes"),
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def world(city, other_city):
    admin = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        idea = IdeaFactory(status=IdeaStatus.ACCEPTED, title="Benches")
        published = IdeaFactory(status=IdeaStatus.PUBLISHED)
    with city_context(other_city):
        foreign = IdeaFactory(status=IdeaStatus.ACCEPTED)
    return {
        "city": city,
        "admin": admin,
        "client": client_for(admin, city),
        "idea": idea,
        "published": published,
        "foreign": foreign,
    }


def projects(city):
    with city_context(city):
        return list(Project.objects.all())


def test_create_with_an_idea_and_a_milestone(world):
    data = post_data(
        ideas=[str(world["idea"].pk)],
        planned_start="2026-01-01",
        planned_end="2026-06-30",
        budget_planned="20000",
        **{
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-title": "Order benches",
            "milestones-0-due_on": "2026-02-01",
            "milestones-0-weight": "1",
        },
    )
    response = world["client"].post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (project,) = projects(world["city"])
    with city_context(world["city"]):
        assert list(project.ideas.all()) == [world["idea"]]
        assert Milestone.objects.get(project=project).title == "Order benches"
        assert project.status_changes.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"budget_planned": "-1"},
        {"budget_spent": "99999999999999"},
        {"planned_start": "2026-05-01", "planned_end": "2026-04-01"},
        {"progress_override": "40"},
        {"title": "   "},
        {"ideas": "foreign"},
        {"ideas": "published"},
        {
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-title": "Dig",
            "milestones-0-starts_on": "2026-05-02",
            "milestones-0-due_on": "2026-05-01",
            "milestones-0-weight": "1",
        },
        {
            "updates-TOTAL_FORMS": "1",
            "updates-0-text": "Look",
            "updates-0-published_on": "2026-05-01",
            "updates-0-image_alt": "",
        },
    ],
)
def test_hostile_input_is_a_form_error_and_writes_nothing(world, fields):
    if fields.get("ideas") in {"foreign", "published"}:
        fields = {"ideas": [str(world[fields["ideas"]].pk)]}
    files = {}
    if "updates-0-text" in fields:
        from io import BytesIO

        from PIL import Image

        buffer = BytesIO()
        Image.new("RGB", (20, 20), "red").save(buffer, "PNG")
        buffer.seek(0)
        buffer.name = "photo.png"
        files = {"updates-0-image": buffer}
    response = world["client"].post(ADD, {**post_data(**fields), **files})
    assert response.status_code == 200
    assert projects(world["city"]) == []


def test_edit_with_a_stale_form_is_refused(world):
    with city_context(world["city"]):
        project = ProjectFactory(title="Old")
    url = f"/admin/projects/project/{project.pk}/change/"
    version = lock_version_of(project)
    first = world["client"].post(url, post_data(title="New", lock_version=str(version)))
    assert first.status_code == 302
    second = world["client"].post(url, post_data(title="Newer", lock_version=str(version)))
    assert second.status_code == 409
    with city_context(world["city"]):
        assert Project.objects.get(pk=project.pk).title == "New"


def test_status_view_moves_the_project_and_its_ideas(world):
    client = world["client"]
    client.post(ADD, post_data(ideas=[str(world["idea"].pk)]))
    (project,) = projects(world["city"])
    url = f"/admin/projects/project/{project.pk}/status/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"status": "in_progress", "on": "2026-03-01", "lock_version": lock_version_of(project)},
    )
    assert response.status_code == 302
    with city_context(world["city"]):
        project.refresh_from_db()
        world["idea"].refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS
    assert world["idea"].status == IdeaStatus.IN_PROGRESS


def test_stopping_without_a_reason_is_a_form_error(world):
    with city_context(world["city"]):
        project = ProjectFactory()
    url = f"/admin/projects/project/{project.pk}/status/"
    response = world["client"].post(
        url, {"status": "stopped", "reason": "", "lock_version": lock_version_of(project)}
    )
    assert response.status_code == 400
    with city_context(world["city"]):
        assert Project.objects.get(pk=project.pk).status == ProjectStatus.PLANNED


def test_status_with_a_stale_version_is_refused(world):
    with city_context(world["city"]):
        project = ProjectFactory()
    url = f"/admin/projects/project/{project.pk}/status/"
    response = world["client"].post(url, {"status": "in_progress", "lock_version": "999"})
    assert response.status_code == 409


def test_link_ideas_to_an_existing_project(world):
    with city_context(world["city"]):
        project = ProjectFactory()
    url = f"/admin/projects/project/link-ideas/?ideas={world['idea'].pk}"
    assert world["client"].get(url).status_code == 200
    response = world["client"].post(
        url, {"project": str(project.pk), "ideas": str(world["idea"].pk)}
    )
    assert response.status_code == 302
    with city_context(world["city"]):
        assert list(project.ideas.all()) == [world["idea"]]


def test_link_refuses_another_citys_idea(world):
    with city_context(world["city"]):
        project = ProjectFactory()
    response = world["client"].post(
        "/admin/projects/project/link-ideas/",
        {"project": str(project.pk), "ideas": str(world["foreign"].pk)},
    )
    assert response.status_code == 400
    with city_context(world["city"]):
        assert not project.ideas.exists()


def test_new_update_is_published_to_the_audience(world):
    client = world["client"]
    client.post(ADD, post_data(ideas=[str(world["idea"].pk)]))
    (project,) = projects(world["city"])
    url = f"/admin/projects/project/{project.pk}/change/"
    data = post_data(
        ideas=[str(world["idea"].pk)],
        lock_version=str(lock_version_of(project)),
        **{
            "updates-TOTAL_FORMS": "1",
            "updates-0-text": "Ten benches ordered.",
            "updates-0-published_on": "2026-03-01",
        },
    )
    assert client.post(url, data).status_code == 302
    with city_context(world["city"]):
        assert ProjectUpdate.objects.get(project=project).published_on == date(2026, 3, 1)
        assert Notification.objects.filter(
            kind="project_update", recipient_id=world["idea"].author_id
        ).exists()


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.MODERATOR, Role.EVALUATOR])
def test_only_city_admins_manage_projects(world, role):
    client = client_for(make_member(world["city"], role), world["city"])
    assert client.get(ADD).status_code in {302, 403}
    assert client.post(ADD, post_data()).status_code in {302, 403}
    assert projects(world["city"]) == []


def test_another_citys_admin_sees_404(world, other_city):
    with city_context(world["city"]):
        project = ProjectFactory()
    client = client_for(make_member(other_city, Role.CITY_ADMIN), other_city)
    assert client.get(f"/admin/projects/project/{project.pk}/change/").status_code == 404
    assert client.get(f"/admin/projects/project/{project.pk}/status/").status_code == 404
