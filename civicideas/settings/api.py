"""The REST API (Django REST Framework) and its OpenAPI schema
(drf-spectacular); see civicideas/api/."""

from .environment import env

# JSON in, JSON out (never HTML); see civicideas/api/.
REST_FRAMEWORK = {
    # Declares the standard error answers on every operation (civicideas/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "civicideas.api.schema.AutoSchema",
    # Token first: its WWW-Authenticate header makes a refused token a 401.
    # Session authentication keeps Django's CSRF check.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "civicideas.api.authentication.CityTokenAuthentication",
        "civicideas.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["civicideas.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "civicideas.api.pagination.KeysetPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "civicideas.api.exceptions.api_exception_handler",
    # Rates are counted in the Redis cache, per user when signed in and per
    # client IP otherwise (NUM_PROXIES: trusted proxies in front of the app,
    # 0 = use REMOTE_ADDR and ignore X-Forwarded-For, which clients forge).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="1200/hour"),
        "anon": env("API_THROTTLE_ANON", default="600/hour"),
        "token": env("API_THROTTLE_TOKEN", default="30/hour"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# Failed `POST /api/v1/auth/token/` attempts count against LOGIN_FAILURE_*
# (one budget with the sign-in form, see civicideas.accounts.guesses).
SPECTACULAR_SETTINGS = {
    "TITLE": "civicideas API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets are served from this site (no CDN), see CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set shared by several API fields.
    "ENUM_NAME_OVERRIDES": {
        "IdeaStatusEnum": "ideas.status.IdeaStatus",
        "InitiativeStatusEnum": "sponsors.models.InitiativeStatus",
        "ResourceTypeEnum": "sponsors.models.ResourceType",
        "SponsorKindEnum": "sponsors.models.Sponsor.Kind",
        "ModerationKindEnum": "ideas.moderation.KINDS",
        "ProjectStatusEnum": "projects.status.ProjectStatus",
    },
}
