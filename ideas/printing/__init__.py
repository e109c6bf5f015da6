"""Printable material per challenge: a poster and a paper idea form (A4 PDF).

``challenge_pdf`` is what the views call: it builds the document in one of
the city's languages and keeps the bytes in the cache, keyed on the
challenge, its ``lock_version`` (every edit bumps it), the language and the
day (the poster's current phase and dates are the city's, and a category
renamed in the admin shows by the next day at the latest; see
docs/offline.md). The documents themselves are in ``documents``.
"""

from __future__ import annotations

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from civicideas.tenancy.models import City
from civicideas.tenancy.urls import city_url
from ideas.models import Challenge
from ideas.printing.documents import form_pdf, poster_pdf

KINDS = ("poster", "form")
CACHE_SECONDS = 60 * 60


def challenge_pdf(*, challenge: Challenge, city: City, kind: str, language: str) -> bytes:
    """The ``kind`` ("poster" or "form") of ``challenge`` in ``language``
    (one of the city's languages: the view checks it)."""
    if kind not in KINDS:
        raise ValueError(kind)
    day = timezone.localdate(timezone=city.zoneinfo).isoformat()
    version = f"{challenge.pk}:{challenge.lock_version}"
    key = f"ideas:print:v1:{city.pk}:{version}:{kind}:{language}:{day}"
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    url = city_url(city, reverse("ideas:challenge", args=[challenge.slug]))
    if kind == "poster":
        data = poster_pdf(challenge=challenge, city=city, url=url, language=language)
    else:
        from django.utils import translation

        from ideas import selectors

        with translation.override(language):
            categories, districts = selectors.challenge_filter_options(challenge)
            data = form_pdf(
                challenge=challenge,
                city=city,
                url=url,
                language=language,
                categories=categories,
                districts=districts,
            )
    cache.set(key, data, CACHE_SECONDS)
    return data
