from django.urls import path
from rest_framework.routers import SimpleRouter

from civicideas.notifications.api.views import NotificationViewSet, PreferenceView

router = SimpleRouter()
router.register("me/notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("me/preferences/", PreferenceView.as_view(), name="preferences"),
    *router.urls,
]
