from rest_framework.routers import SimpleRouter

from ideas.api.views import (
    CategoryViewSet,
    ChallengeViewSet,
    DistrictViewSet,
    IdeaViewSet,
    ModerationViewSet,
    OfficialAnswerViewSet,
    ReportViewSet,
)

router = SimpleRouter()
router.register("challenges", ChallengeViewSet, basename="challenge")
router.register("categories", CategoryViewSet, basename="category")
router.register("districts", DistrictViewSet, basename="district")
router.register("ideas", IdeaViewSet, basename="idea")
router.register("official-answers", OfficialAnswerViewSet, basename="official-answer")
router.register("reports", ReportViewSet, basename="report")
router.register("moderation", ModerationViewSet, basename="moderation")

urlpatterns = router.urls
