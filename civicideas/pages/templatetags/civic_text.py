"""Template filters for user text (see civicideas/text.py)."""

from __future__ import annotations

from django import template

from civicideas.text import ascii_urls as _ascii_urls

register = template.Library()


@register.filter
def ascii_urls(value: object) -> str:
    """URLs with their hostnames in ASCII (punycode for look-alikes); for
    user-supplied addresses stored before they were normalised."""
    return _ascii_urls(str(value or ""))
