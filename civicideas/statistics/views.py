"""``/statistics/``: a city's figures (city host) or every public city's
headline figures side by side (platform host), and each chart as CSV.

Who sees a city's page: everyone when the city's ``statistics_public`` is
on; only the city's staff when it is off (others get the same 404 as for a
page that does not exist, so the setting is not revealed). Views read the
cached payload (``store.statistics_for``): no scan per request.
"""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from civicideas.statistics import charts
from civicideas.statistics.store import statistics_for, statistics_scope
from civicideas.tenancy.context import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.permissions import is_city_staff
from civicideas.tenancy.urls import public_url
from civicideas.web import page_cache


def can_view_statistics(request: HttpRequest) -> bool:
    """The rule above, for the current city's host."""
    city = request.city
    return city is not None and (city.statistics_public or is_city_staff(request.user))


def _payload(request: HttpRequest) -> dict[str, Any]:
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
    payload = _payload(request)
    return TemplateResponse(
        request,
        "statistics/city.html",
        {
            "payload": payload,
            "headline": charts.headline(payload),
            "charts": charts.all_charts(payload),
            "private": not request.city.statistics_public,
        },
    )


@require_GET
def statistics_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """One chart's rows as CSV: the table's columns under stable keys,
    names in the page's language, no personal data."""
    if slug not in charts.SLUGS or request.city is None:
        raise Http404
    item = charts.chart(_payload(request), slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.city.slug}-{slug}.csv"'
    writer = csv.writer(response)
    keys = [key for key, _label in item.columns]
    writer.writerow(keys)
    for row in item.rows:
        writer.writerow(["" if row[key] is None else _csv_value(row[key]) for key in keys])
    return response


def _csv_value(value: Any) -> str:
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet; names are
    # the city's own text, but never let one run.
    return "'" + text if text[:1] in "=+-@" and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _platform(request: HttpRequest) -> HttpResponse:
    """Each active city that makes its statistics public, side by side."""
    cities = []
    shown = City.objects.active().filter(statistics_public=True)
    for city in shown.with_primary_hostname().order_by("name"):
        with city_context(city):
            payload = statistics_for(city)
        cities.append(
            {
                "name": city.name,
                "url": public_url(city.primary_hostname, "/statistics/")
                if city.primary_hostname
                else "",
                "headline": charts.headline(payload),
                "population": city.population,
            }
        )
    return TemplateResponse(request, "statistics/platform.html", {"cities": cities})
