"""``{% city_statistics_headline as h %}``: the current city's headline
figures, for the admin dashboard (no scan: the stored figures; ``None``
while a new city's first ones are being computed)."""

from __future__ import annotations

from django import template

from civicideas.statistics.charts import Headline, headline
from civicideas.statistics.selectors import statistics_for

register = template.Library()


@register.simple_tag(takes_context=True)
def city_statistics_headline(context: template.Context) -> Headline | None:
    request = context.get("request")
    city = getattr(request, "city", None)
    if city is None:
        return None
    payload = statistics_for(city)
    return None if payload is None else headline(payload)
