from django.http import HttpRequest

from civicideas.tenancy.languages import offered_languages


def city(request: HttpRequest) -> dict:
    """The current city and the languages its visitors can switch between."""
    current = getattr(request, "city", None)
    return {
        "city": current,
        "is_platform": getattr(request, "is_platform", False),
        "offered_languages": offered_languages(current),
    }
