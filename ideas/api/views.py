"""API views: thin adapters from HTTP to ``ideas.selectors`` (reads),
``ideas.services`` (writes) and ``ideas.rules`` (through the services).

An id that is missing, belongs to another city or to an idea the person
may not see is a 404 — the same answer, so ids reveal nothing.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet, Value
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from civicideas import inputs
from civicideas.api.concurrency import expected_version, with_etag
from civicideas.api.pagination import KeysetPagination, _jsonable
from civicideas.api.serializers import Serializer
from civicideas.api.views import ERROR, CityBoundMixin, query_params
from civicideas.tenancy.context import current_city
from ideas import moderation, rules, selectors, services
from ideas.api.serializers import (
    CategoryRefSerializer,
    ChallengeSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    DistrictRefSerializer,
    IdeaCreateSerializer,
    IdeaListParamsSerializer,
    IdeaSerializer,
    IdeaUpdateSerializer,
    ModerateSerializer,
    ModerationResultSerializer,
    OfficialAnswerSerializer,
    QueueItemSerializer,
    ReportCreateSerializer,
    ReportSerializer,
    StatusChangeSerializer,
    SupportSerializer,
)
from ideas.models import Category, Challenge, Comment, District, Idea, Report, StatusChange, Support

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer


@extend_schema_view(
    list=extend_schema(summary="Public challenges of this city"),
    retrieve=extend_schema(summary="One public challenge"),
)
class ChallengeViewSet(CityBoundMixin, viewsets.ReadOnlyModelViewSet):
    """Challenges (calls for ideas) and their phase: what citizens may do now."""

    serializer_class = ChallengeSerializer

    def get_queryset(self) -> QuerySet[Challenge]:
        if getattr(self, "swagger_fake_view", False):
            return Challenge.objects.none()
        # Challenge's manager is scoped to the current city (django-scopes),
        # and row-level security would hide other cities' rows anyway.
        return (
            Challenge.objects.public()
            .prefetch_related("categories", "districts")
            .order_by("-created_at", "-pk")
        )


def _with_person(queryset: QuerySet[Idea], user: Viewer) -> QuerySet[Idea]:
    """Annotate what the idea serializer shows beyond the row itself."""
    queryset = selectors.with_author_name(queryset)
    if user is not None and user.is_authenticated:
        return queryset.annotate(
            supported_by_me=Exists(Support.objects.filter(idea=OuterRef("pk"), user=user))
        )
    return queryset.annotate(supported_by_me=Value(False))


@extend_schema_view(
    list=extend_schema(
        summary="Public ideas of a challenge",
        parameters=[IdeaListParamsSerializer],
        description=(
            "The same filters and sorts as the challenge page. `sort=random` (the "
            "default) is a fair shuffle that stays stable across pages for one `seed`; "
            "without a seed one is chosen and carried in the `next` link."
        ),
    ),
    retrieve=extend_schema(
        summary="One idea",
        description="Hidden, pending and withdrawn ideas: only their author and moderators.",
    ),
    create=extend_schema(
        summary="Submit an idea",
        request=IdeaCreateSerializer,
        responses={201: IdeaSerializer, 400: ERROR, 403: ERROR},
    ),
    partial_update=extend_schema(
        summary="Edit your own idea",
        request=IdeaUpdateSerializer,
        responses={200: IdeaSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    ),
)
class IdeaViewSet(
    CityBoundMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Ideas, with the same rules as the browser: the services decide."""

    serializer_class = IdeaSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Idea]:
        if getattr(self, "swagger_fake_view", False):
            return Idea.objects.with_scopes_disabled().none()
        user = self.request.user
        ideas = selectors.visible_ideas(user).select_related("category", "district")
        return _with_person(ideas, user)

    def _visible_idea(self) -> Idea:
        """The idea of the URL for reading or acting, or 404."""
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = query_params(IdeaListParamsSerializer, request)
        challenge = get_object_or_404(
            Challenge.objects.public().filter(city=current_city()), pk=p["challenge"]
        )
        seed = p.get("seed")
        if p["sort"] == "random" and seed is None:
            seed = secrets.randbelow(selectors.SEED_MAX + 1)
        ideas = selectors.idea_list(
            challenge=challenge,
            category=p.get("category"),
            district=p.get("district"),
            status=p.get("status"),
            query=p.get("q", ""),
            sort=p["sort"],
            seed=seed or 0,
        )
        ideas = _with_person(ideas, request.user)
        if p["sort"] == "random":
            self.paginator.link_params = {"seed": seed}
        page = self.paginate_queryset(ideas)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self._visible_idea()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IdeaCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        idea = services.idea_submit(
            author=request.user,
            challenge=v["challenge"],
            title=v["title"],
            body=v["body"],
            language=v.get("language") or request.city.default_language,
            category=v.get("category"),
            district=v.get("district"),
            latitude=v.get("latitude"),
            longitude=v.get("longitude"),
            submission_token=v.get("submission_token"),
        )
        fresh = get_object_or_404(self.get_queryset(), pk=idea.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        idea = self._visible_idea()
        data = IdeaUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.idea_update(
            idea=idea,
            by=request.user,
            title=v.get("title", idea.title),
            body=v.get("body", idea.body),
            category=v.get("category", idea.category),
            district=v.get("district", idea.district),
            latitude=v.get("latitude", idea.latitude),
            longitude=v.get("longitude", idea.longitude),
        )
        return Response(self.get_serializer(self._visible_idea()).data)

    # --- supports --------------------------------------------------------------

    @extend_schema(
        methods=["POST"],
        request=None,
        summary="Support the idea",
        description="201 when the support is new, 200 when it already existed.",
        responses={201: SupportSerializer, 200: SupportSerializer, 403: ERROR, 404: ERROR},
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        summary="Withdraw your support",
        description="204 whether or not you supported it (idempotent); 403 once "
        "supports are closed.",
        responses={204: OpenApiResponse(description="No support any more."), 403: ERROR},
    )
    @action(detail=True, methods=["post", "delete"], pagination_class=None)
    def support(self, request: Request, pk: str | None = None) -> Response:
        idea = self._visible_idea()
        if request.method == "DELETE":
            services.idea_unsupport(idea=idea, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        created = services.idea_support(idea=idea, user=request.user)
        count = Idea.objects.filter(pk=idea.pk).values_list("support_count", flat=True).get()
        body = SupportSerializer({"supported": True, "support_count": count}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    # --- comments ----------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="Visible comments of the idea, oldest first",
        responses={200: CommentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Comment, or reply with `parent`",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["get", "post"])
    def comments(self, request: Request, pk: str | None = None) -> Response:
        idea = self._visible_idea()
        if request.method == "POST":
            data = CommentCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            comment = services.comment_create(
                idea=idea,
                author=request.user,
                body=data.validated_data["body"],
                parent=data.validated_data.get("parent"),
                # The language the client names, else the one this request
                # is served in (its Accept-Language, among the city's).
                language=data.validated_data.get("language") or request.LANGUAGE_CODE,
            )
            fresh = selectors.with_author_name(Comment.objects.filter(pk=comment.pk)).get()
            return Response(CommentSerializer(fresh).data, status=status.HTTP_201_CREATED)
        comments = selectors.with_author_name(
            Comment.objects.filter(idea=idea, state=Comment.State.VISIBLE)
        ).order_by("created_at", "pk")
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    # --- status history ----------------------------------------------------------

    @extend_schema(
        summary="The idea's public timeline: status changes and official answers",
        responses={200: StatusChangeSerializer(many=True), 404: ERROR},
    )
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        idea = self._visible_idea()
        changes = StatusChange.objects.filter(idea=idea, is_public=True).order_by(
            "created_at", "pk"
        )
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(StatusChangeSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Categories of this city"),
    retrieve=extend_schema(summary="One category"),
)
class CategoryViewSet(CityBoundMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CategoryRefSerializer

    def get_queryset(self) -> QuerySet[Category]:
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.with_scopes_disabled().none()
        return Category.objects.order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="Districts of this city"),
    retrieve=extend_schema(summary="One district"),
)
class DistrictViewSet(CityBoundMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DistrictRefSerializer

    def get_queryset(self) -> QuerySet[District]:
        if getattr(self, "swagger_fake_view", False):
            return District.objects.with_scopes_disabled().none()
        return District.objects.order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="The city's official answers, newest first"),
    retrieve=extend_schema(summary="One official answer"),
)
class OfficialAnswerViewSet(CityBoundMixin, viewsets.ReadOnlyModelViewSet):
    """Public status changes with the city's message, on public ideas."""

    serializer_class = OfficialAnswerSerializer

    def get_queryset(self) -> QuerySet[StatusChange]:
        if getattr(self, "swagger_fake_view", False):
            return StatusChange.objects.with_scopes_disabled().none()
        return (
            StatusChange.objects.filter(
                is_official=True,
                is_public=True,
                idea__status__in=selectors.PUBLIC_STATUS_LIST,
            )
            .select_related("idea")
            .order_by("-created_at", "-pk")
        )


class ReportViewSet(CityBoundMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Reports are write-only: what others reported is for moderators."""

    serializer_class = ReportSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Report]:
        return Report.objects.none()

    @extend_schema(
        summary="Report an idea or a comment to the moderators",
        request=ReportCreateSerializer,
        responses={201: ReportSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 409: ERROR},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        report = services.report_create(
            reporter=request.user,
            reason=v["reason"],
            idea=v.get("idea"),
            comment=v.get("comment"),
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class IsModerator(permissions.BasePermission):
    """``ideas.rules.can_moderate``: the city's moderators (and admins)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return rules.can_moderate(request.user)


def _queue_page(request: Request, paginator: KeysetPagination, kind: str | None) -> list[Any]:
    """A page of the moderation queue, keyset-paginated on its own order.

    The queue is a UNION of ideas and comments, which Django cannot filter
    after the fact; each half is read from the position on (one query each)
    and the two are merged, so a page costs the same whatever its depth.
    """
    ordering = list(QUEUE_ORDER)
    position = paginator._decode(request, ordering)
    size = paginator.get_page_size(request)
    kinds = [kind] if kind else list(moderation.KINDS)
    rows: list[dict[str, Any]] = []
    for one in kinds:
        queryset = moderation.moderation_queue(kind=one)
        if position is not None:
            queryset = queryset.filter(KeysetPagination._after(ordering, position))
        rows.extend(queryset[: size + 1])
    rows.sort(key=lambda row: tuple(row[name] for name in ordering))
    rows = rows[: size + 1]
    paginator.request = request
    paginator.ordering = ordering
    paginator.next_position = None
    if len(rows) > size:
        rows = rows[:size]
        paginator.next_position = [_jsonable(rows[-1][name]) for name in ordering]
    return moderation.queue_items(rows)


QUEUE_ORDER = ("q_since", "q_kind", "q_id")


class QueueParamsSerializer(Serializer):
    kind = serializers.ChoiceField(choices=list(moderation.KINDS), required=False)


class ModerationViewSet(CityBoundMixin, viewsets.GenericViewSet):
    """The moderation queue and the moderators' actions (the same services
    as the admin's queue)."""

    permission_classes = [IsModerator]
    serializer_class = QueueItemSerializer

    def get_queryset(self) -> QuerySet[Idea]:
        return Idea.objects.none()

    @extend_schema(
        summary="What waits for a moderator, oldest first",
        parameters=[QueueParamsSerializer],
        responses={200: QueueItemSerializer(many=True), 401: ERROR, 403: ERROR},
    )
    @action(detail=False, methods=["get"])
    def queue(self, request: Request) -> Response:
        params = query_params(QueueParamsSerializer, request)
        items = _queue_page(request, self.paginator, params.get("kind"))
        data = [
            {**item.__dict__, "reasons": item.reasons, "actions": item.actions} for item in items
        ]
        return self.get_paginated_response(QueueItemSerializer(data, many=True).data)

    @extend_schema(
        summary="Approve, hide, restore or dismiss reports of an idea",
        request=ModerateSerializer,
        responses={
            200: ModerationResultSerializer,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            412: ERROR,
        },
    )
    @action(detail=False, methods=["post"], url_path=r"ideas/(?P<idea_id>[0-9]{1,18})")
    def moderate_idea(self, request: Request, idea_id: str) -> Response:
        idea = get_object_or_404(Idea.objects.all(), pk=inputs.parse_id(idea_id))
        data = ModerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        idea = services.idea_moderate(
            idea=idea,
            moderator=request.user,
            action=data.validated_data["action"],
            reason=data.validated_data["reason"],
            expected_version=expected_version(request, data.validated_data.get("lock_version")),
        )
        body = {
            "kind": "idea",
            "id": idea.pk,
            "state": idea.status,
            "lock_version": idea.lock_version,
        }
        return with_etag(Response(ModerationResultSerializer(body).data), idea)

    @extend_schema(
        summary="Hide, restore or dismiss reports of a comment",
        request=ModerateSerializer,
        responses={
            200: ModerationResultSerializer,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            412: ERROR,
        },
    )
    @action(detail=False, methods=["post"], url_path=r"comments/(?P<comment_id>[0-9]{1,18})")
    def moderate_comment(self, request: Request, comment_id: str) -> Response:
        comment = get_object_or_404(Comment.objects.all(), pk=inputs.parse_id(comment_id))
        data = ModerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_moderate(
            comment=comment,
            moderator=request.user,
            action=data.validated_data["action"],
            reason=data.validated_data["reason"],
            expected_version=expected_version(request, data.validated_data.get("lock_version")),
        )
        body = {
            "kind": "comment",
            "id": comment.pk,
            "state": comment.state,
            "lock_version": comment.lock_version,
        }
        return with_etag(Response(ModerationResultSerializer(body).data), comment)
