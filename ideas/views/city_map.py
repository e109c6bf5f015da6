"""The city's map of public ideas (``/map/``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from civicideas.tenancy.map_tiles import shows_map
from civicideas.web import page_cache
from civicideas.web.decorators import city_required
from ideas import cache_keys
from ideas.map import idea_map


def _city_scopes(request: HttpRequest) -> list[str]:
    # Every idea change bumps the city scope (cache_keys.idea_changed).
    return [cache_keys.city_scope(request.city.pk)]


@require_GET
@city_required
@shows_map
@page_cache.anonymous_page(scopes=_city_scopes)
def city_map(request: HttpRequest) -> HttpResponse:
    """Every public idea of the city that has a location, on one map."""
    return TemplateResponse(request, "ideas/map.html", {"idea_map": idea_map(city=request.city)})
