"""The statistics as charts: each one an SVG (``civicideas.web.charts``),
the same numbers as a table next to it, and as CSV (``/statistics/<slug>.csv``).

One ``Chart`` feeds all three, so the picture, the table and the download
never disagree. Built from the cached payload in Python over a few dozen
rows (months, categories, districts): no query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicideas.web.charts import Bar, horizontal_bars_svg, vertical_bars_svg
from ideas.models import Channel

SLUGS = (
    "activity",
    "answers-by-month",
    "answers-by-category",
    "answers-by-department",
    "outcomes",
    "projects",
    "challenges",
    "districts",
    "channels",
)


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    columns: list[tuple[str, str]]  # (CSV key, table heading)
    rows: list[dict[str, Any]]  # CSV key → raw value (labels already named)
    svg: SafeString

    def headings(self) -> list[str]:
        """The table's column headings (the CSV-only ``key`` column left out)."""
        return [label for key, label in self.columns if key != "key"]

    def cells(self) -> list[list[str]]:
        """The table's rows, each value formatted for the page's language;
        the first cell of each names the row."""
        keys = [key for key, _label in self.columns if key != "key"]
        return [[_display(row[key]) for key in keys] for row in self.rows]

    def body_html(self) -> SafeString:
        """The table's ``<tr>`` rows, built here rather than by template
        loops: a page has some 300 cells, and the loops cost more than the
        rest of the page."""
        return mark_safe(  # noqa: S308 - every cell is escaped by format_html
            "".join(
                format_html('<tr><th scope="row">{}</th>{}</tr>', cells[0], _tds(cells[1:]))
                for cells in self.cells()
            )
        )


def _tds(cells: list[str]) -> SafeString:
    return format_html_join("", '<td class="num">{}</td>', ((cell,) for cell in cells))


def _display(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, date):
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    if isinstance(value, float):
        return formats.localize(round(value, 1))
    return formats.localize(value)


def _share(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _month(value: date) -> str:
    return f"{str(MONTHS_3[value.month]).title()} {value.year % 100:02d}"


class _Namer:
    """Names from the payload in the page's language (else the default)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.names = payload["names"]
        self.language = (get_language() or "en")[:2]

    def __call__(self, kind: str, key: int | None, missing: str) -> str:
        texts = self.names[kind].get(key) if key is not None else None
        if not texts:
            return missing
        return texts.get(self.language) or next(iter(texts.values()))


def _bars(
    rows: list[dict[str, Any]], label: str, value: str, text: Callable[[Any], str]
) -> list[Bar]:
    return [(str(row[label]), float(row[value] or 0), text(row[value])) for row in rows]


def _activity(payload: dict[str, Any], name: _Namer) -> Chart:
    rows = [
        {
            "month": row["month"],
            "ideas": row["ideas"],
            "supports": row["supports"],
            "comments": row["comments"],
            "participants": row["participants"],
        }
        for row in payload["months"]
    ]
    title = _("Ideas received per month")
    bars = [(_month(r["month"]), r["ideas"], str(r["ideas"])) for r in rows]
    return Chart(
        "activity",
        title,
        _("Ideas, supports, comments and distinct participants in each of the last twelve months."),
        [
            ("month", _("Month")),
            ("ideas", _("Ideas")),
            ("supports", _("Supports")),
            ("comments", _("Comments")),
            ("participants", _("Participants")),
        ],
        rows,
        vertical_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars), width=44),
    )


def _answer_columns() -> list[tuple[str, str]]:
    return [
        ("public", _("Public ideas")),
        ("answered", _("With an official answer")),
        ("share_percent", _("Share answered (%)")),
        ("median_days", _("Median days to first answer")),
        ("p90_days", _("90th percentile (days)")),
    ]


def _answer_row(label_key: str, label: Any, row: dict[str, Any]) -> dict[str, Any]:
    return {
        label_key: label,
        "public": row["public"],
        "answered": row["answered"],
        "share_percent": _share(row["share"]),
        "median_days": row["median_days"],
        "p90_days": row["p90_days"],
    }


def _days(value: Any) -> str:
    return "—" if value is None else formats.localize(value)


def _answers_by_month(payload: dict[str, Any], name: _Namer) -> Chart:
    rows = [_answer_row("month", r["key"], r) for r in payload["answers"]["months"]]
    title = _("Median days to a first official answer, by month of publication")
    bars = [
        (_month(r["month"]), float(r["median_days"] or 0), _days(r["median_days"])) for r in rows
    ]
    return Chart(
        "answers-by-month",
        title,
        _(
            "For the public ideas published each month: how many have an official answer, "
            "and how many days the first answer took (median and 90th percentile)."
        ),
        [("month", _("Month")), *_answer_columns()],
        rows,
        vertical_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars), width=44),
    )


def _answers_by(kind: str, payload: dict[str, Any], name: _Namer) -> Chart:
    source = payload["answers"]["categories" if kind == "category" else "departments"]
    missing = _("No category") if kind == "category" else _("No department")
    rows = [_answer_row("name", name(kind, r["key"], missing), r) for r in source]
    if kind == "category":
        title = _("Median days to a first official answer, by category")
        description = _("Public ideas of each category: share answered and days to a first answer.")
        heading = _("Category")
    else:
        title = _("Median days to a first official answer, by department")
        description = _(
            "Public ideas by the department that answers their category: share answered "
            "and days to a first answer."
        )
        heading = _("Department")
    bars = _bars(rows, "name", "median_days", _days)
    return Chart(
        f"answers-by-{kind}",
        title,
        description,
        [("name", heading), *_answer_columns()],
        rows,
        horizontal_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars)),
    )


def _outcomes(payload: dict[str, Any], name: _Namer) -> Chart:
    ideas = payload["outcomes"]["ideas"]
    rows = [
        {"outcome": _("Accepted"), "key": "accepted", "ideas": ideas["accepted"]},
        {"outcome": _("Not retained"), "key": "rejected", "ideas": ideas["rejected"]},
        {
            "outcome": _("Not retained, with a reason given"),
            "key": "rejected_with_reason",
            "ideas": ideas["rejected_with_reason"],
        },
        {"outcome": _("Implemented"), "key": "implemented", "ideas": ideas["implemented"]},
    ]
    title = _("What became of the ideas")
    bars = _bars(rows, "outcome", "ideas", str)
    return Chart(
        "outcomes",
        title,
        _(
            "Public ideas by outcome. Accepted includes the ideas in progress and implemented "
            "since. Median days from acceptance to done: %(days)s."
        )
        % {"days": _days(ideas["median_days_to_done"])},
        [("key", _("Key")), ("outcome", _("Outcome")), ("ideas", _("Ideas"))],
        rows,
        horizontal_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars)),
    )


def _projects(payload: dict[str, Any], name: _Namer) -> Chart:
    projects = payload["outcomes"]["projects"]
    labels = [
        ("planned", _("Planned")),
        ("in_progress", _("In progress")),
        ("done", _("Done")),
        ("stopped", _("Stopped")),
        ("on_time", _("On time (of those with a planned end)")),
        ("late", _("Late (of those with a planned end)")),
    ]
    rows = [
        {"key": key, "projects_label": label, "projects": projects[key]} for key, label in labels
    ]
    title = _("City projects")
    bars = _bars(rows, "projects_label", "projects", str)
    return Chart(
        "projects",
        title,
        _("Public projects by status, and whether they keep to their planned end."),
        [("key", _("Key")), ("projects_label", _("Projects")), ("projects", _("Number"))],
        rows,
        horizontal_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars)),
    )


def _challenges(payload: dict[str, Any], name: _Namer) -> Chart:
    rows = [
        {
            "name": name("challenge", r["key"], _("Challenge")),
            "ideas": r["ideas"],
            "evaluated": r["evaluated"],
            "alpha": r["alpha"],
        }
        for r in payload["challenges"]
    ]
    title = _("Ideas per challenge")
    bars = _bars(rows, "name", "ideas", str)
    return Chart(
        "challenges",
        title,
        _(
            "Ideas received in the last twelve months per challenge, ideas evaluated, and how "
            "far the evaluators agree (Krippendorff's alpha: 1 full agreement, 0 no better "
            "than chance)."
        ),
        [
            ("name", _("Challenge")),
            ("ideas", _("Ideas")),
            ("evaluated", _("Ideas evaluated")),
            ("alpha", _("Evaluator agreement (alpha)")),
        ],
        rows,
        horizontal_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars)),
    )


def _districts(payload: dict[str, Any], name: _Namer) -> Chart:
    rows = [
        {
            "name": name("district", r["key"], _("District")),
            "population": r["population"],
            "ideas": r["ideas"],
            "participants": r["participants"],
            "per_1000": r["per_1000"],
        }
        for r in payload["districts"]
    ]
    per_1000 = any(r["per_1000"] is not None for r in rows)
    if per_1000:
        title = _("Participants per 1,000 inhabitants, by district")
        bars = _bars(rows, "name", "per_1000", _days)
    else:
        title = _("Participants by district")
        bars = _bars(rows, "name", "participants", str)
    return Chart(
        "districts",
        title,
        _(
            "People who submitted, supported or commented on an idea of each district in the "
            "last twelve months, per 1,000 inhabitants where the city gives the population."
        ),
        [
            ("name", _("District")),
            ("population", _("Inhabitants")),
            ("ideas", _("Ideas")),
            ("participants", _("Participants")),
            ("per_1000", _("Per 1,000 inhabitants")),
        ],
        rows,
        horizontal_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars)),
    )


def _channels(payload: dict[str, Any], name: _Namer) -> Chart:
    labels = dict(Channel.choices)
    rows = [
        {"key": r["key"], "name": str(labels.get(r["key"], r["key"])), "ideas": r["ideas"]}
        for r in payload.get("channels", [])
    ]
    title = _("Ideas by channel")
    bars = _bars(rows, "name", "ideas", str)
    return Chart(
        "channels",
        title,
        _(
            "How the ideas of the last twelve months reached the city: on-line, or given on "
            "paper, at a workshop, by phone, by e-mail or at a street stand and entered by staff."
        ),
        [("key", _("Code")), ("name", _("Channel")), ("ideas", _("Ideas"))],
        rows,
        horizontal_bars_svg(bars, title + ": " + ", ".join(f"{b[0]} {b[2]}" for b in bars)),
    )


_BUILDERS: dict[str, Callable[[dict[str, Any], _Namer], Chart]] = {
    "activity": _activity,
    "answers-by-month": _answers_by_month,
    "answers-by-category": lambda p, n: _answers_by("category", p, n),
    "answers-by-department": lambda p, n: _answers_by("department", p, n),
    "outcomes": _outcomes,
    "projects": _projects,
    "challenges": _challenges,
    "districts": _districts,
    "channels": _channels,
}


def chart(payload: dict[str, Any], slug: str) -> Chart:
    return _BUILDERS[slug](payload, _Namer(payload))


def all_charts(payload: dict[str, Any]) -> list[Chart]:
    namer = _Namer(payload)
    return [_BUILDERS[slug](payload, namer) for slug in SLUGS]


@dataclass
class Headline:
    """The few figures shown on the admin dashboard and side by side on the
    platform's comparison page."""

    ideas: int
    share_answered: float | None  # percent
    median_days: float | None
    p90_days: float | None
    accepted: int
    implemented: int
    projects_late: int
    projects_on_time: int


def headline(payload: dict[str, Any]) -> Headline:
    answered = payload["answers"]["all"]
    outcome = payload["outcomes"]
    return Headline(
        ideas=sum(row["ideas"] for row in payload["months"]),
        share_answered=_share(answered["share"]),
        median_days=answered["median_days"],
        p90_days=answered["p90_days"],
        accepted=outcome["ideas"]["accepted"],
        implemented=outcome["ideas"]["implemented"],
        projects_late=outcome["projects"]["late"],
        projects_on_time=outcome["projects"]["on_time"],
    )
