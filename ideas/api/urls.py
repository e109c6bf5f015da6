from rest_framework.routers import SimpleRouter

from ideas.api.views import ChallengeViewSet, IdeaViewSet

router = SimpleRouter()
router.register("challenges", ChallengeViewSet, basename="challenge")
router.register("ideas", IdeaViewSet, basename="idea")

urlpatterns = router.urls
