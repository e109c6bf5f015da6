"""What ``CityMiddleware`` adds to every request, for type checkers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from civicideas.tenancy.models import City


class CityRequest(HttpRequest):
    """A request past ``CityMiddleware``: never instantiated, only named in
    annotations (and ``cast`` to where the middleware fills it in)."""

    #: The city whose host was asked for; None on the platform host.
    city: City | None
    #: The host is the platform's (all cities, superusers' admin).
    is_platform: bool
