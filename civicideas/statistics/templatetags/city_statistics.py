"""``{% city_statistics_headline as h %}``: the current city's headline
figures from the cache, for the admin dashboard (no scan: the cached payload,
computed once under a lock on a miss)."""

from __future__ import annotations

from django import template

from civicideas.statistics.charts import Headline, headline
from civicideas.statistics.store import statistics_for

register = template.Library()


@register.simple_tag(takes_context=True)
def city_statistics_headline(context: template.Context) -> Headline | None:
    request = context.get("request")
    city = getattr(request, "city", None)
    if city is None:
        return None
    return headline(statistics_for(city))
