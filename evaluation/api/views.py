"""Thin API views over ``evaluation.selectors`` (the twins of
``evaluation.rules``) and ``evaluation.services``. Evaluators see and score
their own assignments; city admins see everything, read rankings and decide
— the same rules as the admin pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from civicideas import inputs
from civicideas.api.concurrency import expected_version
from civicideas.api.views import ERROR, WRITE_ERRORS, CityBoundMixin, query_params
from evaluation import aggregation, rules, selectors, services
from evaluation.api.serializers import (
    AssignmentSerializer,
    DecisionResultSerializer,
    DecisionSerializer,
    RankingParamsSerializer,
    RankingSerializer,
    ScorecardInputSerializer,
    ScorecardSerializer,
)
from evaluation.models import Assignment, ChallengeEvaluation, CriterionScore, Scorecard


class UsesEvaluation(permissions.BasePermission):
    """``evaluation.rules.can_use_evaluation``: evaluators and city admins."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return rules.can_use_evaluation(request.user)


class ManagesEvaluation(permissions.BasePermission):
    """``evaluation.rules.can_manage_evaluation``: city admins."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return rules.can_manage_evaluation(request.user)


def _scorecards() -> QuerySet[Scorecard]:
    return Scorecard.objects.prefetch_related(
        Prefetch("scores", queryset=CriterionScore.objects.order_by("criterion_id"))
    )


@extend_schema_view(
    list=extend_schema(summary="Assignments: an evaluator's own, all for city admins"),
    retrieve=extend_schema(summary="One assignment"),
)
class AssignmentViewSet(
    CityBoundMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = AssignmentSerializer
    permission_classes = [UsesEvaluation]

    def get_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.with_scopes_disabled().none()
        queryset = selectors.assignments_visible_to(self.request.user).select_related("idea")
        return selectors.with_progress(queryset).order_by("-created_at", "-pk")

    def _save(self, request: Request, *, submit: bool) -> Response:
        assignment = self.get_object()
        data = ScorecardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        save = services.scorecard_submit if submit else services.scorecard_save_draft
        scorecard = save(
            assignment=assignment,
            by=request.user,
            scores={row["criterion"]: row.get("score") for row in v["scores"]},
            comments={row["criterion"]: row.get("comment", "") for row in v["scores"]},
            overall_comment=v.get("overall_comment", ""),
            recommendation=v.get("recommendation", ""),
        )
        return Response(ScorecardSerializer(_scorecards().get(pk=scorecard.pk)).data)

    @extend_schema(
        request=ScorecardInputSerializer,
        summary="Save your scorecard as a draft (scores may be missing)",
        responses={200: ScorecardSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: str | None = None) -> Response:
        return self._save(request, submit=False)

    @extend_schema(
        request=ScorecardInputSerializer,
        summary="Submit your complete scorecard (locked afterwards)",
        responses={200: ScorecardSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._save(request, submit=True)


@extend_schema_view(
    list=extend_schema(summary="Scorecards: an evaluator's own, all for city admins"),
    retrieve=extend_schema(summary="One scorecard"),
)
class ScorecardViewSet(
    CityBoundMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ScorecardSerializer
    permission_classes = [UsesEvaluation]

    def get_queryset(self) -> QuerySet[Scorecard]:
        if getattr(self, "swagger_fake_view", False):
            return Scorecard.objects.with_scopes_disabled().none()
        visible = selectors.scorecards_visible_to(self.request.user)
        return _scorecards().filter(pk__in=visible.values("pk")).order_by("-updated_at", "-pk")


class RankingViewSet(CityBoundMixin, viewsets.GenericViewSet):
    """A challenge's ranking (one SQL statement), for city admins — as the
    admin's ranking page. Evaluators do not see it: with blind review it
    would show colleagues' scores."""

    permission_classes = [ManagesEvaluation]
    serializer_class = RankingSerializer
    pagination_class = None
    lookup_url_kwarg = "challenge"
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[ChallengeEvaluation]:
        if getattr(self, "swagger_fake_view", False):
            return ChallengeEvaluation.objects.with_scopes_disabled().none()
        return ChallengeEvaluation.objects.select_related("rubric")

    @extend_schema(
        summary="The ranking of a challenge's ideas",
        parameters=[RankingParamsSerializer],
        responses={200: RankingSerializer, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def retrieve(self, request: Request, challenge: str) -> Response:
        settings = get_object_or_404(self.get_queryset(), challenge_id=inputs.parse_id(challenge))
        p = query_params(RankingParamsSerializer, request)
        offset, size = p["offset"], p["page_size"]
        result = aggregation.ranking(settings, limit=size, offset=offset)
        following = None
        if offset + size < result.total:
            following = replace_query_param(request.build_absolute_uri(), "offset", offset + size)
        body = {"next": following, "total": result.total, "results": result.rows}
        return Response(RankingSerializer(body).data)


class DecisionViewSet(CityBoundMixin, viewsets.GenericViewSet):
    """The city admin's decision on an idea, with the public answer."""

    permission_classes = [ManagesEvaluation]
    serializer_class = DecisionSerializer

    def get_queryset(self) -> QuerySet[Assignment]:
        return Assignment.objects.none()

    @extend_schema(
        summary="Shortlist, accept or reject an idea",
        request=DecisionSerializer,
        responses={201: DecisionResultSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        idea = services.decision_take(
            idea=v["idea"],
            by=request.user,
            decision=v["decision"],
            message=v["message"],
            expected_version=expected_version(request, v.get("lock_version")),
        )
        body = DecisionResultSerializer(
            {"idea": idea.pk, "status": idea.status, "lock_version": idea.lock_version}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)
