"""Server-rendered SVG charts for the ranking page (the generic bars are
``civicideas.web.charts``, shared with the statistics pages).

No JavaScript and no inline styles (the CSP forbids both without a nonce):
geometry and colours are SVG presentation attributes. Each chart has a
title and description for screen readers, and the page shows the same
numbers as a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from civicideas.web.charts import BAR, NEGATIVE, TEXT, vertical_bars_svg
from evaluation.aggregation import CriterionDistribution, Leniency
from evaluation.models import ChallengeEvaluation


def distribution_svg(item: CriterionDistribution) -> SafeString:
    """Vertical bars: how many scorecards gave each score on one criterion."""
    bars = item.bars()
    label = _("Scores given for “%(criterion)s”: %(counts)s") % {
        "criterion": item.name,
        "counts": ", ".join(f"{score}: {count}" for score, count, _p in bars),
    }
    return vertical_bars_svg([(str(score), count, str(count)) for score, count, _p in bars], label)


def leniency_svg(items: Sequence[Leniency], settings: ChallengeEvaluation) -> SafeString:
    """Horizontal bars around zero: each evaluator's mean minus everyone's.
    Right of the axis is lenient, left is harsh."""
    if not items:
        return mark_safe("")
    rubric = settings.rubric
    span = float(rubric.scale_max - rubric.scale_min) if rubric else 1.0
    half, row, label_w = 160, 22, 220
    limit = max(max(abs(x.offset) for x in items), span / 10) or 1.0
    total_height = row * len(items) + 10
    axis = label_w + half
    rows = []
    for i, item in enumerate(items):
        length = round(half * abs(item.offset) / limit)
        x = axis if item.offset >= 0 else axis - length
        y = 5 + i * row
        rows.append(
            (
                label_w - 6,
                y + 14,
                TEXT,
                item.email,
                x,
                y + 3,
                max(length, 1),
                row - 8,
                BAR if item.offset >= 0 else NEGATIVE,
                axis + half + 6,
                y + 14,
                TEXT,
                f"{item.offset:+.2f}",
            )
        )
    parts = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>'
        '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
        rows,
    )
    width = label_w + 2 * half + 60
    label = _(
        "Each evaluator's mean score minus the mean of all scorecards: right of the "
        "axis lenient, left harsh."
    )
    return format_html(
        '<svg role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}'
        '<line class="chart-axis" x1="{}" y1="0" x2="{}" y2="{}" stroke="{}" stroke-width="1">'
        "</line></svg>",
        label,
        width,
        total_height,
        width,
        total_height,
        label,
        parts,
        axis,
        axis,
        total_height,
        TEXT,
    )
