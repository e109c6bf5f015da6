"""Public pages of a city and of the platform."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.context_processors import csrf
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
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
    return _city_home(request)


#: Where the per-person "hear about new challenges" section goes in the
#: shared content (``pages/city_home.html#content``).
FOLLOW_MARK = "<!-- home-follow -->"


def _city_home(request: HttpRequest) -> HttpResponse:
    """The city's home: its hero and content are shared by everyone signed in
    (and, on a page-cache miss, by anonymous visitors: a variant of their
    own), kept until the city scope is bumped (an idea, an official answer,
    an event or a challenge changed) or the page cache's TTL (a phase
    opening at its date, supports on the cards). Only the
    follow section is per person: one small query and the person's CSRF
    token, spliced in at ``FOLLOW_MARK``. A cached view reads two cache
    values in two round trips (the scope's generation; hero and content)."""
    from civicideas.web import fragment_cache
    from ideas import cache_keys, follows

    city = request.city
    signed_in = bool(request.user.is_authenticated)
    scopes = [cache_keys.city_scope(city.pk)]
    fragments = fragment_cache.Batch()
    rendered: dict[str, Any] = {}
    # What the hero and content show of the city itself (read per request by
    # the middleware anyway): an edit in the admin is a new key.
    city_parts = [
        city.pk,
        city.name,
        city.home_intro,
        city.translations,
        city.default_language,
        city.statistics_public,
        timezone.get_current_timezone_name(),
        timezone.localdate(),
    ]

    def content() -> str:
        context = _home_context(fragments, scopes, city.pk)
        context.update(city=city, signed_in=signed_in)
        rendered.update(context)
        return render_to_string("pages/city_home.html#content", context)

    hero, body = fragments.fetch(
        [
            fragment_cache.Scoped(
                "home-hero",
                scopes,
                city_parts,
                lambda: render_to_string("pages/city_home.html#hero", {"city": city}),
                html=True,
            ),
            fragment_cache.Scoped(
                "home-content", scopes, [*city_parts, signed_in], content, html=True
            ),
        ]
    )
    follow = render_to_string(
        "pages/city_home.html#follow",
        {
            "user": request.user,
            # One small query, and nothing for anonymous visitors.
            "follows_city": signed_in and follows.follows_city(request.user),
            # Lazy, as the context processor's: no token (and no cookie)
            # unless drawn.
            "csrf_token": csrf(request)["csrf_token"],
        },
    )
    body = mark_safe(body.replace(FOLLOW_MARK, follow, 1))  # noqa: S308 - both rendered here
    return TemplateResponse(
        request,
        "pages/city_home.html",
        # Rendered in this request (a miss): its context too, for tests and tools.
        {**rendered, "hero_html": hero, "content_html": body},
    )


def _home_context(fragments: Any, scopes: list[str], city_id: int) -> dict[str, Any]:
    """What the home's shared content shows: nothing per person."""
    from civicideas.web import fragment_cache
    from events import selectors as event_selectors
    from ideas import selectors
    from ideas.fragments import card_fragments

    most_supported = selectors.top_ideas(sort="most_supported")
    newest = selectors.top_ideas(sort="newest")
    # Rows the same for everyone, and the cards, in one cache round trip.
    open_challenges, official_answers, events, *cards = fragments.fetch(
        [
            fragment_cache.Scoped(
                "home-open-challenges", scopes, [city_id], selectors.open_challenges
            ),
            fragment_cache.Scoped(
                "home-official-answers", scopes, [city_id], selectors.recent_official_answers
            ),
            # An event that ended drops off within the TTL (the event
            # services bump the city scope on every change).
            fragment_cache.Scoped(
                "home-upcoming-events", scopes, [city_id], event_selectors.upcoming_events
            ),
            *card_fragments(most_supported),
            *card_fragments(newest),
        ]
    )
    # Each list is one bounded query (see ideas.selectors); counts come from
    # the denormalised counters in one aggregate.
    return {
        "open_challenges": open_challenges,
        "most_supported": most_supported,
        "newest": newest,
        "most_supported_cards": mark_safe("".join(cards[: len(most_supported)])),  # noqa: S308
        "newest_cards": mark_safe("".join(cards[len(most_supported) :])),  # noqa: S308
        "official_answers": official_answers,
        "participation": selectors.participation_counts(),
        "upcoming_events": events,
    }


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
