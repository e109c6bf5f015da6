from rest_framework.routers import SimpleRouter

from evaluation.api.views import (
    AssignmentViewSet,
    DecisionViewSet,
    RankingViewSet,
    ScorecardViewSet,
)

router = SimpleRouter()
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("rankings", RankingViewSet, basename="ranking")
router.register("decisions", DecisionViewSet, basename="decision")

urlpatterns = router.urls
