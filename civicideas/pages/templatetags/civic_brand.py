"""``{% brand_stylesheet city %}`` for the base layout."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

from civicideas.web.branding import BrandPalette, palette_version
from civicideas.web.branding import brand_palette as _brand_palette

register = template.Library()


@register.simple_tag
def brand_palette(colour: str | None) -> BrandPalette:
    """Readable colours for the city's brand colour (see ``branding``)."""
    return _brand_palette(colour)


@register.simple_tag
def brand_stylesheet_url(colour: str | None) -> str:
    """The URL of the city's brand stylesheet, versioned by its palette."""
    return _stylesheet_url(colour, get_urlconf(), get_script_prefix())


@lru_cache(maxsize=1024)
def _stylesheet_url(colour: str | None, _urlconf: object, _prefix: str) -> str:
    # Every page's head asks for it; the palette's contrast arithmetic and
    # the reversal depend on these three alone (issue 17).
    return f"{reverse('pages:brand_css')}?v={palette_version(_brand_palette(colour))}"
