"""Reads of city projects for the public pages, the idea page and the API.

Every list runs a fixed number of queries whatever its length: counts are
annotated, ideas and milestones prefetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ideas.models import Category, Challenge, District, Idea
from ideas.status import PUBLIC_STATUS_LIST
from projects.models import Milestone, Project, ProjectFollow, ProjectIdea, ProjectUpdate
from projects.status import ProjectStatus

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

QUERY_MAX = 200
SORTS = ("updated", "progress", "ending", "budget", "title")


def filter_options() -> tuple[list[Category], list[District], list[Challenge]]:
    return (
        list(Category.objects.order_by("name")),
        list(District.objects.order_by("name")),
        list(
            Challenge.objects.public()
            .order_by("-created_at")
            .only("pk", "city", "title", "translations", "slug")
        ),
    )


def project_list(
    *,
    user: Viewer,
    status: str | None = None,
    category: int | None = None,
    district: int | None = None,
    challenge: int | None = None,
    query: str = "",
    sort: str = "updated",
) -> QuerySet[Project]:
    """Projects ``user`` may see, filtered and sorted in SQL."""
    qs = Project.objects.visible_to(user).select_related("category", "district", "department")
    if status in ProjectStatus.values:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category_id=category)
    if district:
        qs = qs.filter(district_id=district)
    if challenge:
        qs = qs.filter(
            Exists(ProjectIdea.objects.filter(project=OuterRef("pk"), idea__challenge_id=challenge))
        )
    query = (query or "")[:QUERY_MAX].strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(description__icontains=query))
    qs = qs.annotate(
        idea_count=_per_project(ProjectIdea.objects.all()),
        milestone_count=_per_project(Milestone.objects.all()),
        milestones_done=_per_project(Milestone.objects.filter(done_on__isnull=False)),
    )
    order = {
        "progress": ("-progress", "-pk"),
        "ending": ("planned_end", "-pk"),
        "budget": ("-budget_planned", "-pk"),
        "title": ("title", "pk"),
    }.get(sort, ("-updated_at", "-pk"))
    return qs.order_by(*order)


def _per_project(rows: QuerySet[Any]) -> Coalesce:
    """A count of ``rows`` per project as a correlated subquery: computed for
    the page's rows only, where a join and GROUP BY counted every project of
    the city before the sort (31 ms at 2,000 projects)."""
    counted = (
        rows.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


def project_visible(*, pk: int, user: Viewer) -> Project | None:
    """``project_for_page`` without its relations: whether ``user`` may see
    it, its own fields and ``following`` (whether ``user`` follows it), in
    one query, for a page whose body is already rendered."""
    projects = Project.objects.visible_to(user).filter(pk=pk)
    if user.is_authenticated:
        follows = ProjectFollow.objects.filter(project=OuterRef("pk"), user_id=user.pk)
        projects = projects.annotate(following=Exists(follows))
    else:
        projects = projects.annotate(following=Value(False))
    return projects.first()


def project_for_page(*, pk: int, user: Viewer) -> Project | None:
    """The project if ``user`` may see it; None for missing, another city's
    and hidden alike."""
    return (
        Project.objects.visible_to(user)
        .select_related("category", "district", "department", "parent")
        .filter(pk=pk)
        .first()
    )


def project_milestones(project: Project) -> list[Milestone]:
    return list(Milestone.objects.filter(project=project).order_by("due_on", "pk"))


def project_updates(project: Project, limit: int = 30) -> list[ProjectUpdate]:
    return list(ProjectUpdate.objects.filter(project=project)[:limit])


def project_ideas(project: Project) -> list[Idea]:
    """The public ideas it carries out, with their supporters count."""
    return list(
        Idea.objects.filter(project_links__project=project, status__in=PUBLIC_STATUS_LIST)
        .select_related("challenge")
        .order_by("-support_count", "pk")
    )


def project_children(project: Project, user: Viewer) -> list[Project]:
    return list(Project.objects.visible_to(user).filter(parent=project).order_by("title"))


def project_budget_totals(projects: QuerySet[Project]) -> dict[str, Any]:
    return projects.aggregate(
        planned=Coalesce(Sum("budget_planned"), None), spent=Coalesce(Sum("budget_spent"), None)
    )


@dataclass(frozen=True)
class IdeaProject:
    """What an idea's page shows of the project carrying it out."""

    pk: int
    title: Any
    status: str
    status_label: str
    progress: int
    latest_update: ProjectUpdate | None


def project_of_idea(idea_id: int) -> IdeaProject | None:
    """The public project carrying out the idea, with its latest update (two
    queries at most; one when there is none)."""
    link = (
        ProjectIdea.objects.filter(idea_id=idea_id, project__is_public=True)
        .select_related("project")
        .first()
    )
    if link is None:
        return None
    project = link.project
    update = ProjectUpdate.objects.filter(project=project).order_by("-published_on", "-pk").first()
    return IdeaProject(
        pk=project.pk,
        title=project,
        status=project.status,
        status_label=str(ProjectStatus(project.status).label),
        progress=project.progress,
        latest_update=update,
    )


def open_projects_for_decision() -> list[Project]:
    """Projects an accepted idea may join (the decision's "add to an
    existing project")."""
    return list(
        Project.objects.filter(status__in=(ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS))
        .order_by("title")
        .only("pk", "title", "status", "translations")
    )
