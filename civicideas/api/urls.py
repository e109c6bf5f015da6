"""``/api/v1/`` on every city host (see civicideas/api/__init__.py)."""

from django.urls import include, path, re_path

from civicideas.api.errors import api_not_found
from civicideas.api.opendata_views import (
    OpenDataCatalogueView,
    OpenDataCSVView,
    OpenDataJSONView,
)
from civicideas.api.views import TokenView

app_name = "api"

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("v1/open-data/", OpenDataCatalogueView.as_view(), name="open-data"),
    path("v1/open-data/<slug:dataset>.csv", OpenDataCSVView.as_view(), name="open-data-csv"),
    path("v1/open-data/<slug:dataset>.json", OpenDataJSONView.as_view(), name="open-data-json"),
    path("v1/", include("ideas.api.urls")),
    path("v1/", include("sponsors.api.urls")),
    path("v1/", include("evaluation.api.urls")),
    path("v1/", include("projects.api.urls")),
    path("v1/", include("civicideas.notifications.api.urls")),
    path("v1/", include("exchange.api_urls")),
    # Last: any other path under /api/ (an id its pattern refuses included)
    # is a JSON 404, never the site's HTML page.
    re_path(r"^.*$", api_not_found, name="not-found"),
]
