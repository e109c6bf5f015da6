"""``/api/v1/practices/`` on every host (the platform host included): the
practices, their evidence and adoptions, and the open data of the exchange.

Read-only and public: the exchange holds no personal data, so there is no
permission to check (and no city to bind to, unlike the city APIs'
``CityBoundMixin``). Writes stay in the pages, on a city's host.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from civicideas.content.translations import all_languages
from civicideas.text import csv_cell
from exchange import evidence, selectors
from exchange.models import LICENCE_URLS, Practice

TEXT_FIELDS = (
    "title",
    "summary",
    "goal",
    "approach",
    "what_worked",
    "what_did_not",
    "cost",
    "tips",
)


class CitySerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    population = serializers.IntegerField(allow_null=True)


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    url = serializers.URLField()


class AdoptionSerializer(serializers.Serializer):
    city = serializers.CharField(source="adopting_city.name")
    adopted_at = serializers.DateTimeField(source="created_at")


class PracticeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    publishing_city = CitySerializer()
    texts = serializers.SerializerMethodField(
        help_text="Each text by language code, the publishing city's language first."
    )
    licence_url = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    adoption_count = serializers.IntegerField(read_only=True)
    adopted_from = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    # A plain code: the choice set of settings.LANGUAGES is named once elsewhere.
    default_language = serializers.CharField(read_only=True)

    class Meta:
        model = Practice
        fields = [
            "slug",
            "url",
            "publishing_city",
            "default_language",
            "texts",
            "method",
            "topics",
            "contact_email",
            "licence",
            "licence_url",
            "evidence",
            "evidence_refreshed_at",
            "adoption_count",
            "adopted_from",
            "published_at",
        ]

    def get_url(self, obj: Practice) -> str:
        request = self.context.get("request")
        path = reverse("exchange:detail", args=[obj.slug])
        return request.build_absolute_uri(path) if request else path

    def get_texts(self, obj: Practice) -> dict[str, dict[str, Any]]:
        return {field: all_languages(obj, field) for field in TEXT_FIELDS}

    def get_licence_url(self, obj: Practice) -> str:
        return LICENCE_URLS.get(obj.licence, "")

    def get_evidence(self, obj: Practice) -> list[dict[str, Any]]:
        return [{**row, "label": str(row["label"])} for row in evidence.rows(obj.evidence)]


class PracticeDetailSerializer(PracticeSerializer):
    adoptions = AdoptionSerializer(many=True, read_only=True)
    template = serializers.JSONField(read_only=True)

    class Meta(PracticeSerializer.Meta):
        fields = [*PracticeSerializer.Meta.fields, "adoptions", "template"]


@extend_schema_view(
    list=extend_schema(summary="Published practices of every city"),
    retrieve=extend_schema(summary="One practice with its evidence and adoptions"),
)
class PracticeViewSet(viewsets.ReadOnlyModelViewSet):
    """The practice exchange (platform-level, cross-city, no personal data)."""

    # The usual authentication, only so that a signed-in answer is marked
    # private like every API answer (civicideas.cache_policy); the data is
    # the same for everyone.
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,80}"

    def get_queryset(self) -> QuerySet[Practice]:
        practices = selectors.published().order_by("-published_at", "-pk")
        if self.action == "retrieve":
            practices = practices.prefetch_related("adoptions__adopting_city")
        return practices

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return PracticeDetailSerializer if self.action == "retrieve" else PracticeSerializer

    @extend_schema(
        summary="Open data of the exchange (CSV), with each row's licence",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="Header row, then one row per practice."
            )
        },
    )
    @action(detail=False, methods=["get"], url_path="open-data-csv", pagination_class=None)
    def open_data_csv(self, request: Request) -> HttpResponse:
        keys = list(evidence.labels())
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["slug", "city", "title", "method", "topics", "licence", "licence_url", *keys]
        )
        for p in selectors.published().order_by("published_at", "pk")[:10_000]:
            writer.writerow(
                csv_cell(cell)
                for cell in [
                    p.slug,
                    p.publishing_city.name,
                    p.title,
                    p.method,
                    " ".join(p.topics),
                    p.licence,
                    LICENCE_URLS.get(p.licence, ""),
                    *(evidence.figure_value(p.evidence, k) for k in keys),
                ]
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="practices.csv"'
        return response

    @extend_schema(
        summary="Open data of the exchange (JSON), with each row's licence",
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"], url_path="open-data-json", pagination_class=None)
    def open_data_json(self, request: Request) -> Response:
        rows = selectors.published().order_by("published_at", "pk")[:10_000]
        return Response(
            {
                "licence_note": "Each practice carries its own licence (licence, licence_url).",
                "practices": PracticeSerializer(rows, many=True, context={"request": request}).data,
            }
        )
