from django.urls import path
from rest_framework.routers import SimpleRouter

from exchange.api import PracticeViewSet

router = SimpleRouter()
router.register("practices", PracticeViewSet, basename="practice")

# Open data under file-like names, as the city open data (no trailing slash).
urlpatterns = [
    path(
        "practices/open-data.csv",
        PracticeViewSet.as_view({"get": "open_data_csv"}),
        name="practice-open-data-csv",
    ),
    path(
        "practices/open-data.json",
        PracticeViewSet.as_view({"get": "open_data_json"}),
        name="practice-open-data-json",
    ),
    *router.urls,
]
