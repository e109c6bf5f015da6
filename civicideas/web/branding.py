"""Readable colours derived from a city's brand colour.

A city chooses its brand colour freely, so nothing guarantees that white text
on it, or the colour itself as link text on white, meets WCAG 2.1 AA
(4.5:1 for normal text). The layout therefore never uses the raw colour for
text: it uses ``BrandPalette.on_accent`` on brand backgrounds and
``BrandPalette.text`` (the colour darkened just enough) for links and
headings.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

DEFAULT_BRAND = "#1d4e89"
WHITE = "#ffffff"
BLACK = "#000000"
# The lightest tinted background site.css puts links on (footer, messages):
# a link colour readable on it is readable on white too.
SURFACE = "#f3f4f6"
AA_NORMAL_TEXT = 4.5

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """Relative luminance of an ``#rrggbb`` colour, as WCAG 2.1 defines it."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, from 1 (same) to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_foreground(background: str) -> str:
    """White or black text, whichever contrasts more with ``background``.

    One of the two always reaches 4.5:1 (the worst case, a mid grey, still
    gives 4.58:1 with black); a softer dark grey would not guarantee that.
    """
    if contrast_ratio(background, WHITE) >= contrast_ratio(background, BLACK):
        return WHITE
    return BLACK


def darken_for_text(colour: str, background: str = SURFACE, minimum: float = AA_NORMAL_TEXT) -> str:
    """``colour`` mixed with black in small steps until it reaches ``minimum``
    contrast on ``background``; unchanged if it already does. Keeps the hue,
    so links still look like the city's colour."""
    r, g, b = _channels(colour)
    for step in range(21):
        factor = 1 - step / 20
        shade = f"#{round(r * factor):02x}{round(g * factor):02x}{round(b * factor):02x}"
        if contrast_ratio(shade, background) >= minimum:
            return shade
    return "#000000"  # unreachable on a light background; black is always readable there


@dataclass(frozen=True)
class BrandPalette:
    """The colours the layout uses: ``accent`` for backgrounds and borders,
    ``on_accent`` for text on ``accent``, ``text`` for links on white or
    on the light ``SURFACE``."""

    accent: str
    on_accent: str
    text: str


def brand_palette(colour: str | None) -> BrandPalette:
    """The palette for a brand colour; an invalid colour falls back to the
    default brand rather than reaching the style sheet."""
    accent = colour.lower() if colour and _HEX.fullmatch(colour) else DEFAULT_BRAND
    return BrandPalette(
        accent=accent, on_accent=readable_foreground(accent), text=darken_for_text(accent)
    )


def palette_version(palette: BrandPalette) -> str:
    """A short fingerprint of the palette for the stylesheet's URL (``?v=``):
    a new colour is a new URL, so browsers may cache each one for good."""
    text = f"{palette.accent}{palette.on_accent}{palette.text}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]
