"""``{% brand_stylesheet city %}`` for the base layout."""

from django import template
from django.urls import reverse

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
    return f"{reverse('pages:brand_css')}?v={palette_version(_brand_palette(colour))}"
