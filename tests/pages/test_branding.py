"""Whatever brand colour a city picks, the text the layout derives from it
meets WCAG 2.1 AA contrast (4.5:1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicideas.web.branding import (
    DEFAULT_BRAND,
    SURFACE,
    WHITE,
    brand_palette,
    contrast_ratio,
    relative_luminance,
)

colours = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == 21
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert relative_luminance("#ffffff") == 1
    assert relative_luminance("#000000") == 0


@given(colours)
def test_text_on_the_brand_colour_is_readable(colour):
    palette = brand_palette(colour)
    assert contrast_ratio(palette.on_accent, palette.accent) >= 4.5


@given(colours)
def test_links_in_the_brand_colour_are_readable_on_white_and_surface(colour):
    palette = brand_palette(colour)
    assert contrast_ratio(palette.text, SURFACE) >= 4.5
    assert contrast_ratio(palette.text, WHITE) >= 4.5


def test_a_dark_brand_colour_is_used_as_chosen():
    palette = brand_palette("#1D4E89")
    assert palette.accent == palette.text == "#1d4e89"
    assert palette.on_accent == "#ffffff"


def test_a_light_brand_colour_gets_black_text_and_darker_links():
    palette = brand_palette("#ffdd00")
    assert palette.on_accent == "#000000"
    # Same hue, darker: red and green keep their ratio.
    r, g, b = (int(palette.text[i : i + 2], 16) for i in (1, 3, 5))
    assert b == 0 and 0 < r < 0xFF and abs(g / r - 0xDD / 0xFF) < 0.02


def test_an_invalid_colour_falls_back_to_the_default():
    for bad in (None, "", "red", "#fff", "#12345g", "#123456\n", "#123456; } body { display:none"):
        assert brand_palette(bad).accent == DEFAULT_BRAND
