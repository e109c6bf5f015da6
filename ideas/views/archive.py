"""The archive of the city's challenges: open, upcoming, in evaluation, closed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from civicideas.web.decorators import city_required
from ideas import challenge_archive
from ideas.forms import ChallengeArchiveForm
from ideas.views.common import _page_number


@require_GET
@city_required
def challenge_list(request: HttpRequest) -> HttpResponse:
    """One standing's challenges, a page at a time, with a tab per standing."""
    form = ChallengeArchiveForm(request.GET)
    standing = form.standing()
    counts = challenge_archive.standing_counts()
    tabs = [
        {"key": key, "label": label, "count": counts[key], "current": key == standing}
        for key, label in challenge_archive.STANDINGS.items()
    ]
    return TemplateResponse(
        request,
        "ideas/challenge_list.html",
        {
            "standing": standing,
            "standing_label": challenge_archive.STANDINGS[standing],
            "tabs": tabs,
            "page": challenge_archive.archive_page(standing=standing, page=_page_number(request)),
        },
    )
