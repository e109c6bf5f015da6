import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from civicideas.media import serve_media

# Uploads on this host's storage (civicideas.media; the view answers 404
# unless SERVE_MEDIA). A MEDIA_URL on another host (a CDN) needs no route.
media_urlpatterns = (
    [re_path(rf"^{re.escape(settings.MEDIA_URL.strip('/'))}/(?P<path>.+)$", serve_media)]
    if settings.MEDIA_URL.startswith("/")
    else []
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", include("civicideas.notifications.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("civicideas.api.urls")),
    path("", include("civicideas.accounts.urls")),
    *media_urlpatterns,
    path("", include("civicideas.pages.urls")),
    path("statistics/", include("civicideas.statistics.urls")),
    path("", include("ideas.urls")),
    path("", include("sponsors.urls")),
    path("", include("projects.urls")),
    path("", include("exchange.urls")),
    path("", include("events.urls")),
]

# Django's own error answers: JSON in the API's error shape under /api/,
# the site's pages elsewhere (civicideas/api/errors.py).
handler400 = "civicideas.api.errors.bad_request"
handler403 = "civicideas.api.errors.permission_denied"
handler404 = "civicideas.api.errors.page_not_found"
# A database outage answers 503 (page or API JSON), anything else the 500.
handler500 = "civicideas.ops.faults.server_error"
# allauth's rate-limit refusals (sign-up, password reset) in the site's 429 page.
handler429 = "civicideas.web.ratelimit.too_many_requests"
