"""Public pages of a city and of the platform."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicideas.tenancy.languages import offered_codes
from civicideas.tenancy.models import City
from civicideas.tenancy.urls import public_url
from civicideas.web import page_cache
from civicideas.web.branding import brand_palette, palette_version

#: A year: the stylesheet's URL changes with the colour (``?v=``).
BRAND_CSS_MAX_AGE = 365 * 86_400


def _home_scopes(request: HttpRequest) -> list[str]:
    from ideas.cache_keys import city_scope

    return [city_scope(request.city.pk)] if request.city is not None else []


@page_cache.anonymous_page(scopes=_home_scopes)
def home(request: HttpRequest) -> HttpResponse:
    """A city's home page on a city host; the list of cities on the platform host."""
    if request.city is None:
        cities = [
            {"name": city.name, "url": public_url(city.primary_hostname)}
            for city in City.objects.active().with_primary_hostname().order_by("name")
            if city.primary_hostname
        ]
        from exchange.selectors import platform_summary

        return TemplateResponse(
            request,
            "pages/platform_home.html",
            {"cities": cities, "exchange": platform_summary()},
        )
    from civicideas.web import fragment_cache
    from events import selectors as event_selectors
    from ideas import cache_keys, follows, selectors
    from ideas.fragments import card_fragments

    # Rows the same for everyone, kept until the city scope is bumped (an
    # idea or an official answer changed) or the page cache's TTL (a
    # challenge edited in the admin, a phase opening at its date).
    scopes = [cache_keys.city_scope(request.city.pk)]
    most_supported = selectors.top_ideas(sort="most_supported")
    newest = selectors.top_ideas(sort="newest")
    # All of the page's shared parts in two cache round trips (the city
    # scope's generation, then the rows and cards together). The cards are
    # the same for everyone: shared, cached fragments.
    open_challenges, official_answers, events, *cards = fragment_cache.Batch().fetch(
        [
            fragment_cache.Scoped(
                "home-open-challenges", scopes, [request.city.pk], selectors.open_challenges
            ),
            fragment_cache.Scoped(
                "home-official-answers",
                scopes,
                [request.city.pk],
                selectors.recent_official_answers,
            ),
            # An event that ended drops off within the TTL (the event
            # services bump the city scope on every change).
            fragment_cache.Scoped(
                "home-upcoming-events", scopes, [request.city.pk], event_selectors.upcoming_events
            ),
            *card_fragments(most_supported),
            *card_fragments(newest),
        ]
    )
    # Each list is one bounded query (see ideas.selectors); counts come from
    # the denormalised counters in one aggregate.
    return TemplateResponse(
        request,
        "pages/city_home.html",
        {
            "open_challenges": open_challenges,
            "most_supported": most_supported,
            "newest": newest,
            "most_supported_cards": mark_safe("".join(cards[: len(most_supported)])),  # noqa: S308
            "newest_cards": mark_safe("".join(cards[len(most_supported) :])),  # noqa: S308
            "official_answers": official_answers,
            "participation": selectors.participation_counts(),
            "upcoming_events": events,
            # Signed-in only (one query); anonymous pages are shared and cached.
            "following": follows.following_of(request.user),
        },
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement the EU Web Accessibility Directive requires,
    after its model statement; the assessment date is a setting, changed when
    the site is assessed again (docs/accessibility.md)."""
    return TemplateResponse(
        request,
        "pages/accessibility.html",
        {"assessed_on": date.fromisoformat(settings.ACCESSIBILITY_ASSESSED_ON)},
    )


@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    """The city's brand colours as CSS custom properties.

    A stylesheet rather than an inline ``<style nonce>``, so a page carries no
    per-response nonce and can be cached for every anonymous visitor. The
    layout links it as ``?v=<palette version>``: that URL's content never
    changes, so browsers keep it for a year; a stale ``v`` (the colour changed
    since the page was rendered) gets the current colours, briefly cached.
    """
    palette = brand_palette(request.city.colour if request.city else None)
    css = (
        f":root {{ --brand: {palette.accent}; --on-brand: {palette.on_accent}; "
        f"--brand-text: {palette.text}; }}\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    current = request.GET.get("v") == palette_version(palette)
    max_age = BRAND_CSS_MAX_AGE if current else 60
    response["Cache-Control"] = f"public, max-age={max_age}" + (", immutable" if current else "")
    return response


@never_cache
@require_GET
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language with a GET form: ``?language=fr&next=/path/``.

    Django's ``set_language`` needs a POST with a CSRF token, and a token in
    the layout would make every page per visitor (no page cache). Changing
    one's language preference is harmless, so a GET is acceptable: the worst
    a third-party link can do is switch someone's language. ``next`` must be
    a path on this host (no open redirect); a language the site does not
    offer is ignored.
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in offered_codes(getattr(request, "city", None)):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
