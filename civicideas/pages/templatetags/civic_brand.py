"""``{% brand_palette city.colour as brand %}`` for the base layout."""

from django import template

from civicideas.pages.branding import BrandPalette
from civicideas.pages.branding import brand_palette as _brand_palette

register = template.Library()


@register.simple_tag
def brand_palette(colour: str | None) -> BrandPalette:
    """Readable colours for the city's brand colour (see ``branding``)."""
    return _brand_palette(colour)
