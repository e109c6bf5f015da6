"""City-authored text in the visitor's language (issue 13).

``{% with t=challenge|tr:"title" %}<h1{{ t.lang_attr }}>{{ t }}</h1>{% endwith %}``
gives the text in the page's language, or the city's default language's when
it has no translation, and ``lang_attr`` marks the fallback so screen readers
switch voice. See ``civicideas.content.translations``.
"""

from __future__ import annotations

from typing import Any

from django import template

from civicideas.content.translations import Localized, localized

register = template.Library()


@register.filter
def tr(obj: Any, field: str) -> Localized | str:
    """``obj.<field>`` in the active language, falling back to the city's
    default; empty for a missing object (an idea without a category)."""
    if obj is None or obj == "":
        return ""
    return localized(obj, field)
