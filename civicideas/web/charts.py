"""Server-rendered SVG bar charts: the ranking page's and the statistics'.

No JavaScript and no inline styles (the CSP forbids both without a nonce):
geometry and colours are SVG presentation attributes. Each chart carries a
``<title>`` and an ``aria-label`` for screen readers, and every page that
shows one puts the same numbers in a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BAR = "#1d4e89"
NEGATIVE = "#8a2c0d"
# Text and axes take the page's text colour: readable on light and dark
# themes, and replaced by the system colour in forced-colours mode (Windows
# high contrast), where a fixed fill would vanish. Bars carry a class so the
# stylesheets give them a system colour there too.
TEXT = "currentColor"

#: One bar: its label under (or beside) it, its value, and the text printed
#: at its end (the value as the reader should see it: "12", "3.5 days").
Bar = tuple[str, float, str]


def vertical_bars_svg(bars: Sequence[Bar], label: str, *, width: int = 28) -> SafeString:
    """Vertical bars, left to right, each labelled below and valued above."""
    height, gap, top, bottom = 90, 8, 14, 18
    peak = max((value for _l, value, _t in bars), default=0) or 1
    total_width = len(bars) * (width + gap) + gap
    parts = format_html_join(
        "",
        '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
        (
            (
                gap + i * (width + gap),
                top + height - round(height * value / peak),
                width,
                round(height * value / peak),
                BAR,
                gap + i * (width + gap) + width // 2,
                top + height - round(height * value / peak) - 3,
                TEXT,
                text,
                gap + i * (width + gap) + width // 2,
                top + height + 14,
                TEXT,
                name,
            )
            for i, (name, value, text) in enumerate(bars)
        ),
    )
    return _svg(label, total_width, top + height + bottom, parts)


def horizontal_bars_svg(bars: Sequence[Bar], label: str) -> SafeString:
    """Horizontal bars from one axis, one row each, labelled at the left and
    valued at the right (for long labels: categories, districts). Values
    below zero are drawn as zero: these charts show counts and durations."""
    if not bars:
        return mark_safe("")
    length, row, label_w = 320, 22, 220
    peak = max(max(value for _l, value, _t in bars), 0) or 1
    total_height = row * len(bars) + 10
    rows = []
    for i, (name, value, text) in enumerate(bars):
        y = 5 + i * row
        size = round(length * max(value, 0) / peak)
        rows.append(
            (
                *(label_w - 6, y + 14, TEXT, name),
                *(label_w, y + 3, max(size, 1), row - 8, BAR),
                *(label_w + size + 6, y + 14, TEXT, text),
            )
        )
    parts = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>'
        '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
        rows,
    )
    return _svg(label, label_w + length + 90, total_height, parts)


def _svg(label: str, width: int, height: int, parts: SafeString) -> SafeString:
    return format_html(
        '<svg role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        label,
        width,
        height,
        width,
        height,
        label,
        parts,
    )
