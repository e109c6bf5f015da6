"""The challenge's printable poster and paper form (PDF downloads)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from civicideas.content.translations import primary_code
from civicideas.web.decorators import city_required
from ideas import printing
from ideas.views.common import _challenge_or_404, _city_languages


def _language(request: HttpRequest) -> str | None:
    """``?lang=`` when it is one of the city's languages; without it the
    page's language when the city has it, else the city's default. ``None``
    for a language the city does not offer (the view answers 400)."""
    languages = _city_languages(request)
    asked = request.GET.get("lang")
    if asked is not None:
        return asked if asked in languages else None
    current = primary_code(get_language())
    return current if current in languages else request.city.default_language


def _pdf(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    # Drafts, other cities' and unknown slugs are one 404 (the public lookup).
    challenge = _challenge_or_404(slug)
    language = _language(request)
    if language is None:
        names = dict(settings.LANGUAGES)
        offered = ", ".join(
            f"{code} ({names.get(code, code)})" for code in _city_languages(request)
        )
        return TemplateResponse(
            request,
            "ideas/print_language.html",
            {"challenge": challenge, "offered": offered},
            status=400,
        )
    data = printing.challenge_pdf(
        challenge=challenge, city=request.city, kind=kind, language=language
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{challenge.slug}-{kind}-{language}.pdf"'
    response["Content-Language"] = language
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@city_required
def challenge_poster(request: HttpRequest, slug: str) -> HttpResponse:
    return _pdf(request, slug, "poster")


@require_GET
@city_required
def challenge_form(request: HttpRequest, slug: str) -> HttpResponse:
    return _pdf(request, slug, "form")
