"""drf-spectacular description of the city-bound token authentication."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CityTokenScheme(OpenApiAuthenticationExtension):
    target_class = "civicideas.api.authentication.CityTokenAuthentication"
    name = "cityToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <secret>` from `POST /api/v1/auth/token/`. A token works only "
                "on the host of the city that issued it."
            ),
        }
