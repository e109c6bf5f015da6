"""Thin API views over ``sponsors.selectors`` (reads, the queryset twins of
``sponsors.rules``) and ``sponsors.services`` (writes; the services decide
who may). A missing, other-city or not-yours id is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from civicideas import inputs
from civicideas.api.concurrency import VersionSerializer, expected_version, request_version
from civicideas.api.views import WRITE_ERRORS, CityBoundMixin, query_params
from sponsors import rules, selectors, services
from sponsors.api.serializers import (
    GroupCreateSerializer,
    GroupSerializer,
    InitiativeCreateSerializer,
    InitiativeListParamsSerializer,
    InitiativeSerializer,
    InitiativeUpdateSerializer,
    NeedCreateSerializer,
    NeedListParamsSerializer,
    NeedSerializer,
    OfferAcceptedSerializer,
    OfferAcceptSerializer,
    OfferCreateSerializer,
    OfferDeclineSerializer,
    OfferListParamsSerializer,
    OfferSerializer,
    SponsorSerializer,
)
from sponsors.models import CommunityGroup, Initiative, Need, Offer, Sponsor


@extend_schema_view(
    list=extend_schema(summary="Community groups (approved ones, and your own)"),
    retrieve=extend_schema(summary="One community group"),
    create=extend_schema(
        summary="Create a group (you become its admin; the city approves it)",
        request=GroupCreateSerializer,
        responses={201: GroupSerializer, **WRITE_ERRORS},
    ),
)
class GroupViewSet(
    CityBoundMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = GroupSerializer

    def get_queryset(self) -> QuerySet[CommunityGroup]:
        if getattr(self, "swagger_fake_view", False):
            return CommunityGroup.objects.with_scopes_disabled().none()
        return selectors.groups_visible_to(self.request.user).order_by("name", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = GroupCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.group_create(by=request.user, **data.validated_data)
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Initiatives (public ones, your groups' drafts)",
        parameters=[InitiativeListParamsSerializer],
    ),
    retrieve=extend_schema(summary="One initiative"),
    create=extend_schema(
        summary="Draft an initiative for a group you administer",
        request=InitiativeCreateSerializer,
        responses={201: InitiativeSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit an initiative of your group",
        request=InitiativeUpdateSerializer,
        responses={200: InitiativeSerializer, **WRITE_ERRORS},
    ),
)
class InitiativeViewSet(
    CityBoundMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InitiativeSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Initiative]:
        if getattr(self, "swagger_fake_view", False):
            return Initiative.objects.with_scopes_disabled().none()
        return (
            selectors.initiatives_visible_to(self.request.user)
            .select_related("group", "district")
            .prefetch_related("categories")
            .order_by("-created_at", "-pk")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = query_params(InitiativeListParamsSerializer, request)
        queryset = self.get_queryset()
        if "group" in p:
            queryset = queryset.filter(group_id=p["group"])
        if "status" in p:
            queryset = queryset.filter(status=p["status"])
        if "district" in p:
            queryset = queryset.filter(district_id=p["district"])
        if "category" in p:
            queryset = queryset.filter(categories__pk=p["category"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _fresh(self, pk: int) -> Response:
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = InitiativeCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        initiative = services.initiative_create(by=request.user, **data.validated_data)
        response = self._fresh(initiative.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        initiative = self.get_object()
        data = InitiativeUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        services.initiative_update(
            initiative=initiative,
            by=request.user,
            expected_version=expected_version(request, changes.pop("lock_version", None)),
            **changes,
        )
        return self._fresh(initiative.pk)

    @extend_schema(
        request=VersionSerializer,
        summary="Publish a draft (seeking support)",
        responses={200: InitiativeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        services.initiative_publish(
            initiative=self.get_object(), by=request.user, expected_version=request_version(request)
        )
        return self._fresh(inputs.require_id(pk))

    @extend_schema(
        request=VersionSerializer,
        summary="Cancel the initiative (pending offers are declined)",
        responses={200: InitiativeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        services.initiative_cancel(
            initiative=self.get_object(), by=request.user, expected_version=request_version(request)
        )
        return self._fresh(inputs.require_id(pk))

    @extend_schema(
        request=VersionSerializer,
        summary="Mark the initiative completed",
        responses={200: InitiativeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        services.initiative_complete(
            initiative=self.get_object(), by=request.user, expected_version=request_version(request)
        )
        return self._fresh(inputs.require_id(pk))


@extend_schema_view(
    list=extend_schema(
        summary="Needs of the initiatives you may see", parameters=[NeedListParamsSerializer]
    ),
    retrieve=extend_schema(summary="One need"),
    create=extend_schema(
        summary="Add a need to an initiative of your group",
        request=NeedCreateSerializer,
        responses={201: NeedSerializer, **WRITE_ERRORS},
    ),
)
class NeedViewSet(
    CityBoundMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = NeedSerializer

    def get_queryset(self) -> QuerySet[Need]:
        if getattr(self, "swagger_fake_view", False):
            return Need.objects.with_scopes_disabled().none()
        visible = selectors.initiatives_visible_to(self.request.user)
        return Need.objects.filter(initiative__in=visible).order_by("-created_at", "-pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = query_params(NeedListParamsSerializer, request)
        queryset = self.get_queryset()
        if "initiative" in p:
            queryset = queryset.filter(initiative_id=p["initiative"])
        if p.get("open"):
            queryset = queryset.filter(closed_at__isnull=True)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = NeedCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        need = services.need_add(by=request.user, **data.validated_data)
        return Response(NeedSerializer(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VersionSerializer,
        summary="Close a need (its pending offers are declined)",
        responses={200: NeedSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        need = services.need_close(
            need=self.get_object(), by=request.user, expected_version=request_version(request)
        )
        return Response(NeedSerializer(need).data)


@extend_schema_view(
    list=extend_schema(summary="Verified sponsors' public profiles (and your own)"),
    retrieve=extend_schema(summary="A sponsor's public profile"),
)
class SponsorViewSet(CityBoundMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SponsorSerializer

    def get_queryset(self) -> QuerySet[Sponsor]:
        if getattr(self, "swagger_fake_view", False):
            return Sponsor.objects.with_scopes_disabled().none()
        mine = list(rules.sponsor_roles(self.request.user))
        visible = Sponsor.objects.verified()
        if mine:
            visible = visible | Sponsor.objects.filter(pk__in=mine)
        return visible.prefetch_related("categories", "districts").order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(
        summary="Offers you may see: your sponsor's, or those on your group's initiatives",
        parameters=[OfferListParamsSerializer],
    ),
    retrieve=extend_schema(summary="One offer"),
    create=extend_schema(
        summary="Offer (part of) a need on behalf of your sponsor",
        request=OfferCreateSerializer,
        responses={201: OfferSerializer, **WRITE_ERRORS},
    ),
)
class OfferViewSet(
    CityBoundMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OfferSerializer

    def get_queryset(self) -> QuerySet[Offer]:
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.with_scopes_disabled().none()
        return (
            selectors.offers_visible_to(self.request.user)
            .select_related("sponsor", "initiative")
            .order_by("-created_at", "-pk")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = query_params(OfferListParamsSerializer, request)
        queryset = self.get_queryset()
        for name in ("state", "initiative", "sponsor"):
            if name in p:
                queryset = queryset.filter(**{name: p[name]})
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _fresh(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        offer = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(offer).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = OfferCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        offer = services.offer_make(by=request.user, **data.validated_data)
        return self._fresh(offer.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=OfferAcceptSerializer,
        summary="Accept the offer, all of it or part (your group's initiative)",
        responses={200: OfferAcceptedSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        offer = self.get_object()
        data = OfferAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.offer_accept(
            offer=offer,
            by=request.user,
            quantity=data.validated_data.get("quantity"),
            expected_version=expected_version(request, data.validated_data.get("lock_version")),
        )
        fresh = get_object_or_404(self.get_queryset(), pk=offer.pk)
        body = {
            "offer": fresh,
            "accepted": result.accepted,
            "matched": result.matched,
            "fund_exhausted": result.fund_exhausted,
        }
        return Response(OfferAcceptedSerializer(body).data)

    @extend_schema(
        request=OfferDeclineSerializer,
        summary="Decline the offer (your group's initiative)",
        responses={200: OfferSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        offer = self.get_object()
        data = OfferDeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.offer_decline(
            offer=offer,
            by=request.user,
            reason=data.validated_data.get("reason", ""),
            expected_version=expected_version(request, data.validated_data.get("lock_version")),
        )
        return self._fresh(offer.pk)

    @extend_schema(
        request=None,
        summary="Withdraw your sponsor's offer",
        responses={200: OfferSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        services.offer_withdraw(offer=self.get_object(), by=request.user)
        return self._fresh(inputs.require_id(pk))
