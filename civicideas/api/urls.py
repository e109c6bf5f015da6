"""``/api/v1/`` on every city host (see civicideas/api/__init__.py)."""

from django.urls import include, path

from civicideas.api.views import TokenView

app_name = "api"

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("v1/", include("ideas.api.urls")),
]
