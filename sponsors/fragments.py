"""Initiative cards rendered once and shared by everyone who sees them.

A card (``templates/sponsors/_initiative_card.html``) shows nothing per
person: the title, summary, image, status, tags, progress and needs. The
sponsor's match score only orders the list; it is not on the card. Rendering
twenty cards (includes, ``blocktranslate`` plurals, URL reversal, translated
tags, number and date formats) was most of the best-match list's CPU, so
each card is cached by its content (``civicideas.web.fragment_cache``): the
key is a hash of every value the card shows and the language, so an edited
title, a met need or a renamed category is a new key and nothing can be
served stale, with nothing to invalidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.loader import render_to_string

from civicideas.tenancy.context import current_city_or_none
from civicideas.web import fragment_cache
from sponsors.models import Initiative

CARD_TEMPLATE = "sponsors/_initiative_card.html"


def card_parts(initiative: Initiative) -> tuple[Any, ...]:
    """Every value the card shows (besides the language, in every key).

    Categories and the district with their translations, and the city's
    default language (translated names fall back to it), are here too."""
    city = current_city_or_none()
    return (
        initiative.pk,
        initiative.city_id,
        city.default_language if city is not None else None,
        initiative.title,
        initiative.summary,
        initiative.status,
        # The file's name, not its URL: a signed URL differs on every call.
        initiative.image.name if initiative.image else None,
        tuple(fragment_cache.name_parts(c) for c in initiative.categories.all()),
        fragment_cache.name_parts(initiative.district),
        initiative.progress_percent,
        initiative.open_need_count,
        str(initiative.funding_remaining),
        initiative.next_deadline,
    )


def card_fragments(initiatives: Iterable[Initiative]) -> list[fragment_cache.Addressed]:
    """The cards of ``initiatives`` as fragments to fetch with a page's
    others (``fragment_cache.Batch``); join them in order."""
    return [
        fragment_cache.Addressed("initiative-card", card_parts(i), _renderer(i))
        for i in initiatives
    ]


def _renderer(initiative: Initiative) -> fragment_cache.Render:
    return lambda: render_to_string(CARD_TEMPLATE, {"initiative": initiative})
