"""The rules of city projects: links, life cycle, progress, updates."""

from datetime import date
from decimal import Decimal

import pytest

from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.status import IdeaStatus
from projects import services
from projects.models import Project, ProjectIdea
from projects.status import ProjectStatus
from tests.conftest import make_member
from tests.ideas.factories import IdeaFactory, SupportFactory
from tests.projects.factories import MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(city):
    with city_context(city):
        yield city


@pytest.fixture
def admin(ctx):
    return make_member(ctx, Role.CITY_ADMIN)


def test_create_links_accepted_ideas(ctx, admin):
    idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    project = services.project_create(by=admin, title="Trees", ideas=[idea])
    assert list(project.ideas.all()) == [idea]
    assert project.status == ProjectStatus.PLANNED
    assert project.status_changes.get().to_status == ProjectStatus.PLANNED


@pytest.mark.parametrize("status", [IdeaStatus.PUBLISHED, IdeaStatus.REJECTED])
def test_only_accepted_ideas_become_projects(ctx, admin, status):
    idea = IdeaFactory(status=status)
    with pytest.raises(InvalidInput):
        services.project_create(by=admin, title="Trees", ideas=[idea])
    assert not Project.objects.exists()


def test_another_citys_idea_is_refused_and_nothing_written(ctx, admin, other_city):
    with city_context(other_city):
        foreign = IdeaFactory(status=IdeaStatus.ACCEPTED)
    with pytest.raises(InvalidInput):
        services.project_create(by=admin, title="Trees", ideas=[foreign])
    assert not Project.objects.exists()


def test_an_idea_is_in_one_project_only(ctx, admin):
    idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    services.project_create(by=admin, title="Trees", ideas=[idea])
    with pytest.raises(InvalidInput):
        services.project_create(by=admin, title="More trees", ideas=[idea])
    assert Project.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"budget_planned": "-5"},
        {"budget_planned": "1e20"},
        {"budget_spent": "NaN"},
        {"budget_spent": "abc"},
        {"budget_planned": "10.001"},
        {"planned_start": date(2026, 5, 1), "planned_end": date(2026, 4, 1)},
        {"progress_override": 50},
        {"progress_override": 150, "progress_override_reason": "x"},
        {"title": "   "},
    ],
)
def test_hostile_fields_are_refused(ctx, admin, fields):
    with pytest.raises(InvalidInput):
        services.project_create(by=admin, title=fields.pop("title", "Trees"), **fields)
    assert not Project.objects.exists()


def test_citizens_and_moderators_cannot_manage(ctx):
    for role in (Role.CITIZEN, Role.MODERATOR, Role.EVALUATOR):
        with pytest.raises(NotAllowed):
            services.project_create(by=make_member(ctx, role), title="Trees")


def test_stale_edit_is_refused(ctx, admin):
    project = services.project_create(by=admin, title="Trees")
    version = project.lock_version
    services.project_edit(project=project, by=admin, expected_version=version, title="Oaks")
    with pytest.raises(Conflict):
        services.project_edit(project=project, by=admin, expected_version=version, title="Elms")
    project.refresh_from_db()
    assert project.title == "Oaks"


def test_progress_from_weighted_milestones(ctx, admin):
    project = ProjectFactory()
    MilestoneFactory(project=project, weight=3, done_on=date(2026, 5, 1))
    MilestoneFactory(project=project, weight=1)
    assert services.project_refresh_progress(project=project) == 75


def test_progress_of_a_parent_from_weighted_children(ctx, admin):
    parent = ProjectFactory()
    a = ProjectFactory(parent=parent, weight=1)
    b = ProjectFactory(parent=parent, weight=3)
    MilestoneFactory(project=a, done_on=date(2026, 5, 1))
    MilestoneFactory(project=b)
    services.project_refresh_progress(project=a)
    services.project_refresh_progress(project=b)
    parent.refresh_from_db()
    assert parent.progress == 25


def test_override_needs_a_reason_and_wins(ctx, admin):
    project = services.project_create(by=admin, title="Trees")
    MilestoneFactory(project=project)
    services.project_edit(
        project=project, by=admin, progress_override=40, progress_override_reason="Works halted"
    )
    project.refresh_from_db()
    assert project.progress == 40


def test_a_project_cannot_be_its_own_ancestor(ctx, admin):
    a = services.project_create(by=admin, title="A")
    b = services.project_create(by=admin, title="B", parent=a)
    with pytest.raises(InvalidInput):
        services.project_edit(project=a, by=admin, parent=b)


def test_starting_and_finishing_move_the_ideas_and_tell_people(ctx, admin):
    idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    supporter = SupportFactory(idea=idea).user
    follower = make_member(ctx, Role.CITIZEN)
    project = services.project_create(by=admin, title="Trees", ideas=[idea])
    services.project_follow(project=project, user=follower)
    services.project_set_status(
        project=project, by=admin, status=ProjectStatus.IN_PROGRESS, on=date(2026, 10, 1)
    )
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.IN_PROGRESS
    # The author and supporter hear it from their idea, the follower from the project.
    assert set(
        Notification.objects.filter(kind="idea_status_changed").values_list(
            "recipient_id", flat=True
        )
    ) == {idea.author_id, supporter.pk}
    assert list(
        Notification.objects.filter(kind="project_status_changed").values_list(
            "recipient_id", flat=True
        )
    ) == [follower.pk]
    services.project_set_status(
        project=project, by=admin, status=ProjectStatus.DONE, on=date(2026, 11, 1)
    )
    idea.refresh_from_db()
    project.refresh_from_db()
    assert idea.status == IdeaStatus.IMPLEMENTED
    assert project.progress == 100
    assert project.actual_end == date(2026, 11, 1)


def test_stopping_needs_a_reason(ctx, admin):
    project = services.project_create(by=admin, title="Trees")
    with pytest.raises(InvalidInput):
        services.project_set_status(project=project, by=admin, status=ProjectStatus.STOPPED)
    services.project_set_status(
        project=project, by=admin, status=ProjectStatus.STOPPED, reason="No budget"
    )
    project.refresh_from_db()
    assert project.stop_reason == "No budget"


def test_done_cannot_go_back(ctx, admin):
    project = services.project_create(by=admin, title="Trees")
    services.project_set_status(project=project, by=admin, status=ProjectStatus.IN_PROGRESS)
    services.project_set_status(project=project, by=admin, status=ProjectStatus.DONE)
    with pytest.raises(InvalidInput):
        services.project_set_status(project=project, by=admin, status=ProjectStatus.PLANNED)


def test_milestone_dates_reversed_are_refused(ctx, admin):
    project = services.project_create(by=admin, title="Trees")
    with pytest.raises(InvalidInput):
        services.milestone_save(
            project=project,
            by=admin,
            title="Dig",
            starts_on=date(2026, 6, 1),
            due_on=date(2026, 5, 1),
        )
    assert not project.milestones.exists()


def test_update_notifies_the_audience(ctx, admin):
    idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    project = services.project_create(by=admin, title="Trees", ideas=[idea])
    services.update_publish(project=project, by=admin, text="The first trees are in.")
    assert list(
        Notification.objects.filter(kind="project_update").values_list("recipient_id", flat=True)
    ) == [idea.author_id]


def test_linking_to_a_running_project_moves_the_idea(ctx, admin):
    project = services.project_create(by=admin, title="Trees")
    services.project_set_status(project=project, by=admin, status=ProjectStatus.IN_PROGRESS)
    idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    services.project_link_ideas(project=project, by=admin, ideas=[idea])
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.IN_PROGRESS
    assert ProjectIdea.objects.filter(project=project, idea=idea).exists()


def test_budget_is_stored_exactly(ctx, admin):
    project = services.project_create(by=admin, title="Trees", budget_planned="12500.50")
    project.refresh_from_db()
    assert project.budget_planned == Decimal("12500.50")


def test_evidence_for_the_practice_exchange(ctx, admin):
    from exchange import evidence
    from projects.evidence import projects_provider

    on_time = IdeaFactory(status=IdeaStatus.ACCEPTED)
    late = IdeaFactory(status=IdeaStatus.ACCEPTED, challenge=on_time.challenge)
    a = services.project_create(
        by=admin, title="A", ideas=[on_time], planned_end=date(2026, 12, 31)
    )
    b = services.project_create(by=admin, title="B", ideas=[late], planned_end=date(2026, 1, 31))
    for project, day in ((a, date(2026, 6, 1)), (b, date(2026, 3, 1))):
        services.project_set_status(
            project=project, by=admin, status=ProjectStatus.IN_PROGRESS, on=date(2026, 1, 2)
        )
        services.project_set_status(project=project, by=admin, status=ProjectStatus.DONE, on=day)
    figures = {f.key: f.value for f in projects_provider(ctx, [on_time.challenge])}
    assert figures == {
        "projects": 2,
        "projects_done": 2,
        "projects_done_on_time": 1,
        "projects_running_late": 0,
    }
    assert "projects_done" in evidence.labels()
