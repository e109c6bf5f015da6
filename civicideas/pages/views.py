"""Public pages of a city and of the platform."""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from civicideas.tenancy.models import City
from civicideas.tenancy.urls import public_url


def home(request: HttpRequest) -> HttpResponse:
    """A city's home page on a city host; the list of cities on the platform host."""
    if request.city is None:
        cities = [
            {"name": city.name, "url": public_url(city.primary_hostname)}
            for city in City.objects.active().with_primary_hostname().order_by("name")
            if city.primary_hostname
        ]
        return TemplateResponse(request, "pages/platform_home.html", {"cities": cities})
    from ideas import selectors

    # Each list is one bounded query (see ideas.selectors); counts come from
    # the denormalised counters in one aggregate.
    return TemplateResponse(
        request,
        "pages/city_home.html",
        {
            "open_challenges": selectors.open_challenges(),
            "most_supported": selectors.top_ideas(sort="most_supported"),
            "newest": selectors.top_ideas(sort="newest"),
            "official_answers": selectors.recent_official_answers(),
            "participation": selectors.participation_counts(),
        },
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement the EU Web Accessibility Directive requires."""
    return TemplateResponse(request, "pages/accessibility.html")
