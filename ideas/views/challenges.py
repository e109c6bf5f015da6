"""The challenge page (its idea list) and the similar-ideas hint."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
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
    """The challenge, and its public ideas filtered, searched and sorted."""
    challenge = _challenge_or_404(slug)
    # The page's shared fragments in four cache round trips: the scopes'
    # generations, the filter choices (the form needs them), the filter form,
    # the map and the cards together, and the events teaser (its tag).
    fragments = fragment_cache.Batch()
    # The same for everyone until the challenge's scope is bumped (or the
    # page cache's TTL: categories edited in the admin bump nothing).
    ((categories, districts),) = fragments.fetch(
        [
            fragment_cache.Scoped(
                "challenge-filter-options",
                _challenge_scopes(request, slug),
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
        seed=shuffle.visitor_seed(request),
        page=_page_number(request),
        per_page=PER_PAGE,
    )
    query_string = request.GET.copy()
    query_string.pop("page", None)
    description = localized(challenge, "description")
    htmx = getattr(request, "htmx", None)
    # The list, and the map replaced out of band (hx-swap-oob).
    results_only = bool(htmx and not htmx.history_restore_request and htmx.target == "results")
    filter_form_html, map_html, *cards = fragments.fetch(
        [
            _filter_form(request, challenge, form, filters),
            _map(request, challenge, filters, oob=results_only),
            # The cards are the same for everyone: shared, cached fragments.
            *card_fragments(page.items),
        ]
    )
    context = {
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
    if results_only:
        return TemplateResponse(request, "ideas/_challenge_results.html", context)
    return TemplateResponse(request, "ideas/challenge.html", context)


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
