from rest_framework.routers import SimpleRouter

from exchange.api import PracticeViewSet

router = SimpleRouter()
router.register("practices", PracticeViewSet, basename="practice")

urlpatterns = router.urls
