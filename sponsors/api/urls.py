from rest_framework.routers import SimpleRouter

from sponsors.api.views import (
    GroupViewSet,
    InitiativeViewSet,
    NeedViewSet,
    OfferViewSet,
    SponsorViewSet,
)

router = SimpleRouter()
router.register("groups", GroupViewSet, basename="group")
router.register("initiatives", InitiativeViewSet, basename="initiative")
router.register("needs", NeedViewSet, basename="need")
router.register("sponsors", SponsorViewSet, basename="sponsor")
router.register("offers", OfferViewSet, basename="offer")

urlpatterns = router.urls
