from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """What every page's layout shows whatever the city: the link to the
    platform's source code (AGPL-3.0 section 13), the same for every visitor
    so cached pages stay shareable."""
    return {"source_code_url": settings.SOURCE_CODE_URL}
