"""``/api/v1/projects/``: thin adapters from HTTP to ``projects.services``
(writes; the services decide who may) and the queryset twins of
``projects.rules`` (reads). A missing, other-city or non-public project is
a 404 for whoever may not see it — the same answer, so ids reveal nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from civicideas.api.concurrency import expected_version
from civicideas.api.views import ERROR, WRITE_ERRORS, CityBoundMixin, query_params
from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role
from ideas.models import Idea
from ideas.status import PUBLIC_STATUS_LIST
from projects import rules, services
from projects.api.serializers import (
    LATEST_UPDATES,
    SORTS,
    MilestoneCreateSerializer,
    MilestoneSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectListParamsSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    SetStatusSerializer,
    UpdateCreateSerializer,
    UpdateSerializer,
)
from projects.models import Milestone, Project, ProjectIdea, ProjectUpdate

#: Role shown for the responsible person, most senior first.
ROLE_ORDER = (Role.CITY_ADMIN, Role.EVALUATOR, Role.MODERATOR)


class ManagesProjectsOrReadOnly(permissions.BasePermission):
    """Reads for everyone (what they may see is the queryset's business);
    writes for the city's administrators (``projects.rules``), checked
    before the body is read so a citizen learns nothing from validation."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated) and rules.can_manage_projects(
            request.user
        )


def responsible_role(project: Project) -> str | None:
    """The responsible civil servant's role in this city, never the person."""
    if project.responsible_id is None:
        return None
    roles = (
        Membership.objects.filter(user_id=project.responsible_id)
        .values_list("roles", flat=True)
        .first()
    ) or []
    for role in ROLE_ORDER:
        if role in roles:
            return str(role.label)
    # Named, but without a staff role here (any more): still not a name.
    return _("Civil servant")


@extend_schema_view(
    list=extend_schema(
        summary="The city's projects",
        parameters=[ProjectListParamsSerializer],
        description=(
            "Public projects (city administrators also see those kept off the public "
            "pages), with the same filters and sorts as the projects page."
        ),
    ),
    retrieve=extend_schema(
        summary="One project: progress, dates, budget, ideas, milestones, latest updates",
        responses={200: ProjectDetailSerializer},
    ),
    create=extend_schema(
        summary="Create a project (city administrators)",
        request=ProjectCreateSerializer,
        responses={201: ProjectDetailSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit a project (city administrators; If-Match or lock_version)",
        request=ProjectUpdateSerializer,
        responses={200: ProjectDetailSerializer, **WRITE_ERRORS},
    ),
)
class ProjectViewSet(
    CityBoundMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProjectSerializer
    permission_classes = [ManagesProjectsOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.with_scopes_disabled().none()
        return Project.objects.visible_to(self.request.user).select_related(
            "category", "district", "department"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _project(self) -> Project:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        """The project with what its page shows: a fixed number of queries."""
        project = get_object_or_404(
            self.get_queryset().prefetch_related(
                Prefetch(
                    "ideas",
                    queryset=Idea.objects.filter(status__in=PUBLIC_STATUS_LIST).order_by(
                        "-support_count", "pk"
                    ),
                    to_attr="ideas_shown",
                ),
                Prefetch(
                    "milestones", queryset=Milestone.objects.all(), to_attr="milestones_shown"
                ),
            ),
            pk=pk,
        )
        project.updates_shown = list(
            ProjectUpdate.objects.filter(project=project).order_by("-published_on", "-pk")[
                :LATEST_UPDATES
            ]
        )
        project.responsible_role = responsible_role(project)
        context = self.get_serializer_context()
        return Response(ProjectDetailSerializer(project, context=context).data, status=code)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = query_params(ProjectListParamsSerializer, request)
        projects = self.get_queryset()
        for name in ("status", "category", "district", "department"):
            if name in p:
                projects = projects.filter(**{name: p[name]})
        if "challenge" in p:
            projects = projects.filter(
                Exists(
                    ProjectIdea.objects.filter(
                        project=OuterRef("pk"), idea__challenge_id=p["challenge"]
                    )
                )
            )
        words = p.get("q", "").split()
        for word in words[:10]:
            projects = projects.filter(Q(title__icontains=word))
        projects = projects.order_by(*SORTS[p["sort"]])
        page = self.paginate_queryset(projects)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._project().pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = services.project_create(
            by=request.user,
            title=fields.pop("title"),
            ideas=fields.pop("ideas", []),
            **fields,
        )
        return self._detail(project.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self._project()
        data = ProjectUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        services.project_edit(
            project=project,
            by=request.user,
            expected_version=expected_version(request, changes.pop("lock_version", None)),
            **changes,
        )
        return self._detail(project.pk)

    @extend_schema(
        summary="Move the project (planned, in progress, done, stopped with a reason)",
        description="The ideas it carries out follow; its audience is notified.",
        request=SetStatusSerializer,
        responses={200: ProjectDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        project = self._project()
        data = SetStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.project_set_status(
            project=project,
            by=request.user,
            status=v["status"],
            reason=v["reason"],
            on=v.get("on"),
            expected_version=expected_version(request, v.get("lock_version")),
        )
        return self._detail(project.pk)

    @extend_schema(
        methods=["GET"],
        summary="The project's milestones, by due date",
        responses={200: MilestoneSerializer(many=True), 404: ERROR},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a milestone (city administrators)",
        request=MilestoneCreateSerializer,
        responses={201: MilestoneSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def milestones(self, request: Request, pk: str | None = None) -> Response:
        project = self._project()
        if request.method == "POST":
            data = MilestoneCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            milestone = services.milestone_save(
                project=project, by=request.user, **data.validated_data
            )
            return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)
        rows = Milestone.objects.filter(project=project).order_by("due_on", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MilestoneSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The project's updates, newest first",
        responses={200: UpdateSerializer(many=True), 404: ERROR},
    )
    @extend_schema(
        methods=["POST"],
        summary="Publish an update (city administrators); its audience is notified",
        request=UpdateCreateSerializer,
        responses={201: UpdateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def updates(self, request: Request, pk: str | None = None) -> Response:
        project = self._project()
        context = self.get_serializer_context()
        if request.method == "POST":
            data = UpdateCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            update = services.update_publish(
                project=project,
                by=request.user,
                text=data.validated_data["text"],
                published_on=data.validated_data.get("published_on"),
            )
            return Response(
                UpdateSerializer(update, context=context).data, status=status.HTTP_201_CREATED
            )
        rows = ProjectUpdate.objects.filter(project=project).order_by("-published_on", "-pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(UpdateSerializer(page, many=True, context=context).data)
