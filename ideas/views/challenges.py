"""The challenge page (its idea list) and the similar-ideas hint."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from civicideas.content.markdown import render_markdown
from civicideas.content.translations import localized
from civicideas.tenancy.map_tiles import shows_map
from civicideas.web import fragment_cache, page_cache
from civicideas.web.decorators import city_required
from ideas import challenge_archive, selectors, shuffle
from ideas.forms import ChallengeFilterForm
from ideas.fragments import card_fragments
from ideas.map import city_bounds, idea_map, tile_settings
from ideas.models import TITLE_MAX, Challenge
from ideas.views.common import (
    PER_PAGE,
    SIMILAR_LIMIT,
    _challenge_or_404,
    _challenge_scopes,
    _page_number,
)


@require_GET
@city_required
@shows_map
@vary_on_headers("HX-Request")
@page_cache.anonymous_page(scopes=_challenge_scopes, extra=shuffle.challenge_variant)
def challenge_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The challenge, and its public ideas filtered, searched and sorted.

    Nothing on this page is per person (the layout around it is): its
    content is one shared fragment per challenge, language, query string,
    seed bucket and htmx variant, kept under the challenge's scope (the
    bumps that make the anonymous page stale make it stale), and the
    challenge itself a shared value beside it. A signed-in view whose
    fragment is cached reads no row of its own: two cache round trips (the
    scope's generation; the challenge and the content together)."""
    htmx = getattr(request, "htmx", None)
    # The list, and the map replaced out of band (hx-swap-oob).
    results_only = bool(htmx and not htmx.history_restore_request and htmx.target == "results")
    scopes = _challenge_scopes(request, slug)
    # The seed only where the order uses it: newest-first pages are shared
    # by every bucket.
    seeded = request.GET.get("sort") not in shuffle.UNSEEDED_SORTS
    seed = shuffle.visitor_seed(request) if seeded else None
    fragments = fragment_cache.Batch()
    found: dict[str, Any] = {}

    def challenge() -> Challenge:
        if "challenge" not in found:
            found["challenge"] = _challenge_or_404(slug)
        return found["challenge"]

    def render() -> str:
        context = _content_context(
            request, challenge(), fragments, seed=seed or 0, oob=results_only
        )
        found["context"] = context
        if results_only:
            return render_to_string("ideas/_challenge_results.html", context)
        return render_to_string("ideas/challenge.html#content", context)

    # A missing or draft challenge raises Http404 inside: nothing is stored.
    the_challenge, content = fragments.fetch(
        [
            fragment_cache.Scoped("challenge", scopes, [request.city.pk, slug], challenge),
            fragment_cache.Scoped(
                "challenge-content",
                scopes,
                [
                    request.city.pk,
                    slug,
                    results_only,
                    list(request.GET.lists()),
                    seed,
                    timezone.get_current_timezone_name(),
                    timezone.localdate(),
                ],
                render,
                html=True,
            ),
        ]
    )
    # Rendered in this request (a miss): its context too, for tests and tools.
    context = {**found.get("context", {}), "challenge": the_challenge, "content_html": content}
    if results_only:
        return TemplateResponse(request, "ideas/_challenge_results.html#shared", context)
    return TemplateResponse(request, "ideas/challenge.html", context)


def _content_context(
    request: HttpRequest,
    challenge: Challenge,
    fragments: fragment_cache.Batch,
    *,
    seed: int,
    oob: bool,
) -> dict[str, Any]:
    """What the page's content shows: nothing per person. It reads the
    request's city and query only (both in the fragment's key), and the
    content is rendered without the request, so no user, session or CSRF
    token can reach the shared copy."""
    # The same for everyone until the challenge's scope is bumped (or the
    # page cache's TTL: categories edited in the admin bump nothing).
    ((categories, districts),) = fragments.fetch(
        [
            fragment_cache.Scoped(
                "challenge-filter-options",
                _challenge_scopes(request, challenge.slug),
                [request.city.pk, challenge.pk],
                lambda: selectors.challenge_filter_options(challenge),
            )
        ]
    )
    form = ChallengeFilterForm(request.GET, categories=categories, districts=districts)
    filters = form.cleaned_or_defaults()
    page = selectors.challenge_page(
        challenge=challenge,
        category=filters["category"],
        district=filters["district"],
        status=filters["status"] or None,
        query=filters["q"],
        sort=filters["sort"],
        seed=seed,
        page=_page_number(request),
        per_page=PER_PAGE,
    )
    query_string = request.GET.copy()
    query_string.pop("page", None)
    description = localized(challenge, "description")
    filter_form_html, map_html, *cards = fragments.fetch(
        [
            _filter_form(request, challenge, form, filters),
            _map(request, challenge, filters, oob=oob),
            # The cards are the same for everyone: shared, cached fragments.
            *card_fragments(page.items),
        ]
    )
    return {
        "challenge": challenge,
        "timeline": challenge_archive.timeline(challenge),
        "description": render_markdown(description.text),
        "description_lang": description.lang_attr,
        "form": form,
        "filter_form_html": filter_form_html,
        "filters": filters,
        "page": page,
        "cards_html": mark_safe("".join(cards)),  # noqa: S308 - fragments, rendered by our templates
        "idea_map_html": map_html,
        # For the events teaser's tag (events app): the generations are read.
        "fragments": fragments,
        "query_string": query_string.urlencode(),
        "searching": bool(filters["q"]) and page.searched,
        "unsearchable": bool(filters["q"]) and not page.searched,
    }


#: The request parameters the filter form shows (as given, valid or not).
_FILTER_FIELDS = ("q", "category", "district", "status", "sort")


def _filter_form(
    request: HttpRequest, challenge: Challenge, form: ChallengeFilterForm, filters: dict[str, Any]
) -> fragment_cache.Scoped:
    """The filter form, shared by everyone who asks for the same filters (a
    GET form: no CSRF token, nothing per person), until the challenge's scope
    is bumped (its choices are the challenge's categories and districts)."""
    return fragment_cache.Scoped(
        "challenge-filter-form",
        _challenge_scopes(request, challenge.slug),
        [
            request.city.pk,
            challenge.pk,
            [(name, request.GET.getlist(name)) for name in _FILTER_FIELDS],
            filters["q"],
        ],
        lambda: render_to_string(
            "ideas/challenge.html#filter_form",
            {"form": form, "filters": filters, "challenge": challenge},
        ),
        html=True,
    )


def _map(
    request: HttpRequest, challenge: Challenge, filters: dict[str, Any], *, oob: bool
) -> fragment_cache.Scoped:
    """The challenge page's map section, shared by everyone who asks for the
    same filters and search (it holds nothing per person), until an idea of
    the challenge changes (the challenge scope the services bump). Its query
    (the located ideas, up to ``MAP_LIMIT``) was most of a signed-in view.
    The map shows the list's ideas (same filters and search, every page,
    capped): the list stays the accessible equivalent of the map."""
    city = request.city

    def render() -> str:
        located = idea_map(
            city=city,
            ideas=selectors.idea_list(
                challenge=challenge,
                category=filters["category"],
                district=filters["district"],
                status=filters["status"] or None,
                query=filters["q"],
            ),
        )
        return render_to_string("ideas/_map.html", {"idea_map": located, "map_oob": oob})

    return fragment_cache.Scoped(
        "challenge-map",
        _challenge_scopes(request, challenge.slug),
        [
            city.pk,
            challenge.pk,
            getattr(filters["category"], "pk", filters["category"]),
            getattr(filters["district"], "pk", filters["district"]),
            filters["status"],
            filters["q"],
            oob,
            tile_settings(city),
            city_bounds(city),
        ],
        render,
        html=True,
    )


@require_GET
@city_required
@page_cache.anonymous_page(scopes=_challenge_scopes)
def challenge_similar(request: HttpRequest, slug: str) -> HttpResponse:
    """htmx fragment: public ideas of the challenge similar to a title."""
    challenge = _challenge_or_404(slug)
    title = (request.GET.get("title") or "").strip()[:TITLE_MAX]
    ideas = (
        selectors.similar_ideas_cached(challenge=challenge, text=title, limit=SIMILAR_LIMIT)
        if title
        else []
    )
    return TemplateResponse(
        request, "ideas/_idea_fields.html#similar", {"similar": ideas, "challenge": challenge}
    )
