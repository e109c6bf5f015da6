"""``/api/v1/open-data/``: the catalogue and the streamed downloads
(see ``civicideas.api.opendata`` for what is published and how)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicideas.api import opendata
from civicideas.api.views import ERROR, CityBoundMixin


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()


class FieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["integer", "number", "string", "date", "datetime", "boolean", "object"]
    )
    description = serializers.CharField()


class DatasetSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    csv = serializers.URLField()
    json = serializers.URLField()
    fields = FieldSerializer(many=True)


class CatalogueSerializer(serializers.Serializer):
    city = serializers.CharField()
    licence = LicenceSerializer()
    datasets = DatasetSerializer(many=True)


class DatasetJSONSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    city = serializers.CharField()
    licence = LicenceSerializer()
    generated_at = serializers.DateTimeField()
    fields = FieldSerializer(many=True)
    records = serializers.ListField(
        child=serializers.DictField(), help_text="One object per row, keyed by field."
    )


DATASET_PARAM = OpenApiParameter(
    "dataset",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(opendata.DATASETS),
    description="A dataset name from the catalogue.",
)


class OpenDataCatalogueView(CityBoundMixin, APIView):
    """What this city publishes, under which licence, with each dataset's
    fields (the data dictionary)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="Open data catalogue", responses={200: CatalogueSerializer})
    def get(self, request: Request) -> Response:
        city = request.city
        datasets = [
            {
                "name": d.name,
                "title": str(d.title),
                "description": str(d.description),
                "csv": request.build_absolute_uri(f"{d.name}.csv"),
                "json": request.build_absolute_uri(f"{d.name}.json"),
                "fields": opendata.dictionary(d),
            }
            for d in opendata.DATASETS.values()
        ]
        body = {"city": city.name, "licence": opendata.licence_of(city), "datasets": datasets}
        return Response(CatalogueSerializer(body).data)


class _DownloadView(CityBoundMixin, APIView):
    permission_classes = [permissions.AllowAny]
    # Downloads are read in full by scripts; one per request counts like any other.
    extension = ""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The format is in the path; errors are rendered as JSON whatever Accept says.
        return super().perform_content_negotiation(request, force=True)

    def dataset(self, name: str) -> opendata.Dataset:
        dataset = opendata.DATASETS.get(name)
        if dataset is None:
            raise exceptions.NotFound()
        return dataset

    def disposition(self, response: StreamingHttpResponse, name: str) -> None:
        stamp = timezone.now().strftime("%Y%m%d")
        filename = f"{self.request.city.slug}-{name}-{stamp}.{self.extension}"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        licence = opendata.licence_of(self.request.city)
        response["Link"] = f'<{licence["url"]}>; rel="license"'


class OpenDataCSVView(_DownloadView):
    extension = "csv"

    @extend_schema(
        summary="A dataset as CSV (streamed)",
        parameters=[DATASET_PARAM],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="Header row, then one row per record."
            ),
            404: ERROR,
        },
    )
    def get(self, request: Request, dataset: str) -> StreamingHttpResponse:
        chosen = self.dataset(dataset)
        response = StreamingHttpResponse(
            opendata.stream_csv(request.city, chosen), content_type="text/csv; charset=utf-8"
        )
        self.disposition(response, chosen.name)
        return response


class OpenDataJSONView(_DownloadView):
    extension = "json"

    @extend_schema(
        summary="A dataset as JSON (streamed)",
        parameters=[DATASET_PARAM],
        responses={200: DatasetJSONSerializer, 404: ERROR},
    )
    def get(self, request: Request, dataset: str) -> StreamingHttpResponse:
        chosen = self.dataset(dataset)
        city = request.city
        meta = {
            "dataset": chosen.name,
            "city": city.name,
            "licence": opendata.licence_of(city),
            "generated_at": timezone.now().isoformat(),
            "fields": opendata.dictionary(chosen),
        }
        response = StreamingHttpResponse(
            opendata.stream_json(city, chosen, meta), content_type="application/json"
        )
        self.disposition(response, chosen.name)
        return response
