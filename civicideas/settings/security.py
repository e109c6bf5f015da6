"""Response headers: the Content Security Policy, nosniff, referrer, opener
and framing policies (tightened further in ``production``)."""

from django.utils.csp import CSP

from .files import STORAGES
from .storage import media_csp_sources

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    # Uploads kept in an object store are shown from its (signed) URLs.
    # A page with a map also allows its city's tile server (and only that
    # one): civicideas.tenancy.map_tiles.shows_map.
    "img-src": [
        CSP.SELF,
        "data:",
        *media_csp_sources(STORAGES["default"]),
    ],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# Health and readiness are probed over plain HTTP inside the deployment network.
# So is /metrics, scraped with its bearer token (METRICS_TOKEN below).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
