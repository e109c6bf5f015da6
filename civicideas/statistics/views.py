"""``/statistics/``: a city's figures (city host) or every public city's
headline figures side by side (platform host), and each chart as CSV.

Who sees a city's page: everyone when the city's ``statistics_public`` is
on; only the city's staff when it is off (others get the same 404 as for a
page that does not exist, so the setting is not revealed). Views read the
stored figures (``selectors.statistics_for``: cache, else the city's row):
no scan per request. A city with no figures yet gets a "being prepared"
page, never stored in the page cache, while one refresh runs.
"""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicideas.statistics import charts
from civicideas.statistics.selectors import platform_statistics, statistics_for
from civicideas.statistics.store import LOCK_SECONDS, statistics_scope
from civicideas.tenancy.models import City
from civicideas.tenancy.permissions import is_city_staff
from civicideas.tenancy.urls import public_url
from civicideas.text import csv_cell
from civicideas.web import fragment_cache, page_cache


def can_view_statistics(request: HttpRequest) -> bool:
    """The rule above, for the current city's host."""
    city = request.city
    return city is not None and (city.statistics_public or is_city_staff(request.user))


def _payload(request: HttpRequest) -> dict[str, Any] | None:
    if not can_view_statistics(request):
        raise Http404
    return statistics_for(request.city)


def _scopes(request: HttpRequest) -> list[str]:
    city = request.city
    return [statistics_scope(city.pk if city is not None else None)]


@require_GET
@page_cache.anonymous_page(scopes=_scopes)
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Rendering eight charts and tables costs a few times the trivial
    view, so anonymous visitors get the whole page from the page cache,
    whose generation the refresh bumps (``store.statistics_refresh``)."""
    if request.city is None:
        return _platform(request)
    try:
        figures = _figures(request)
    except _Preparing:
        return _preparing(request)
    return TemplateResponse(request, "statistics/city.html", {"figures": figures})


class _Preparing(Exception):
    """The city has no figures yet."""


def _figures(request: HttpRequest) -> SafeString:
    """The page's figures, rendered once per refresh and language and shared
    by everyone who may see them: eight charts and their tables cost several
    times the trivial view to render, and a signed-in visitor does not get
    the page cache. The refresh bumps the scope (``store.statistics_refresh``);
    nothing in it is personal."""
    city = request.city

    def render() -> str:
        payload = _payload(request)
        if payload is None:
            raise _Preparing
        context = {
            "city": city,
            "payload": payload,
            "headline": charts.headline(payload),
            "charts": charts.all_charts(payload),
            "private": not city.statistics_public,
        }
        return render_to_string("statistics/_figures.html", context)

    if not can_view_statistics(request):
        raise Http404
    return fragment_cache.scoped(
        "statistics",
        scopes=_scopes(request),
        parts=[city.pk, city.name, city.statistics_public, timezone.get_current_timezone_name()],
        render=render,
    )


@require_GET
def statistics_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """One chart's rows as CSV: the table's columns under stable keys,
    names in the page's language, no personal data."""
    if slug not in charts.SLUGS or request.city is None:
        raise Http404
    payload = _payload(request)
    if payload is None:
        response = HttpResponse(
            _("These figures are being prepared. Please try again in a minute."),
            content_type="text/plain; charset=utf-8",
            status=503,
        )
        response["Retry-After"] = str(LOCK_SECONDS)
        add_never_cache_headers(response)
        return response
    item = charts.chart(payload, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.city.slug}-{slug}.csv"'
    writer = csv.writer(response)
    keys = [key for key, _label in item.columns]
    writer.writerow(keys)
    for row in item.rows:
        writer.writerow([csv_cell(row[key]) for key in keys])
    return response


def _preparing(request: HttpRequest) -> HttpResponse:
    """The city's first figures are being computed in the background: a
    page in the site's layout that says so. ``private`` keeps it out of
    the page cache (and browsers' caches): the next visit shows the figures."""
    response = TemplateResponse(request, "statistics/preparing.html", {}).render()
    add_never_cache_headers(response)
    return response


def _platform(request: HttpRequest) -> HttpResponse:
    """Each active city that makes its statistics public, side by side."""
    shown = list(
        City.objects.active()
        .filter(statistics_public=True)
        .with_primary_hostname()
        .order_by("name")
    )
    figures = platform_statistics(shown)
    cities = []
    for city in shown:
        payload = figures.get(city.pk)
        cities.append(
            {
                "name": city.name,
                "url": public_url(city.primary_hostname, "/statistics/")
                if city.primary_hostname
                else "",
                "headline": charts.headline(payload) if payload is not None else None,
                "population": city.population,
            }
        )
    response = TemplateResponse(request, "statistics/platform.html", {"cities": cities}).render()
    if len(figures) < len(shown):  # some figures are on their way: store no page without them
        add_never_cache_headers(response)
    return response
