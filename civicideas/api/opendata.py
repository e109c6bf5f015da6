"""Open data: the city's public datasets as JSON and CSV, with a licence and
a data dictionary.

What is published is only what the public pages already show: public ideas
(no hidden, pending or withdrawn ones), public challenges, official answers
on public ideas, public initiatives of approved groups and their needs,
public city projects and their milestones (the department responsible, never
the person; no update authors), and participation counted per district and
month. No personal data: no email
address and no author at all — ``Profile.display_name`` has no "public"
flag its owner chose, so publishing it in bulk would not be their choice.

Exports stream with constant memory: rows come from a server-side cursor
(``QuerySet.iterator(chunk_size=…)``) as tuples and are written one by one.
The generator runs after the view has returned, outside the request's
``city_context`` and transaction (``civicideas.tenancy.middleware``), so it
enters ``city_context(city)`` itself: without it the scoped managers would
raise and row-level security would show no rows.

CSV cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or CR) get a leading ``'`` (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.context import city_context
from civicideas.tenancy.models import City
from civicideas.text import csv_cell
from ideas.models import Challenge, Comment, Idea, StatusChange, Support
from ideas.selectors import PUBLIC_STATUS_LIST

#: Rows fetched per round trip of the server-side cursor.
CHUNK_SIZE = 2_000
DEFAULT_LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}


def licence_of(city: City) -> dict[str, str]:
    """The city's licence: ``OPEN_DATA_LICENCES[slug]`` when set, else the
    ``OPEN_DATA_LICENCE`` setting, else CC BY 4.0."""
    per_city = getattr(settings, "OPEN_DATA_LICENCES", {}) or {}
    return dict(per_city.get(city.slug) or getattr(settings, "OPEN_DATA_LICENCE", DEFAULT_LICENCE))


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer, number, string, date, datetime, boolean
    description: Any
    source: str = ""

    @property
    def path(self) -> str:
        return self.source or self.name


@dataclass(frozen=True)
class Dataset:
    name: str
    title: Any
    description: Any
    columns: tuple[Column, ...]
    #: Rows as tuples in column order, in the current city.
    rows: Callable[[], Iterable[tuple[Any, ...]]]


def _values(queryset: QuerySet, columns: tuple[Column, ...]) -> Iterator[tuple[Any, ...]]:
    return queryset.values_list(*[c.path for c in columns]).iterator(chunk_size=CHUNK_SIZE)


IDEA_COLUMNS = (
    Column("id", "integer", _("Identifier of the idea")),
    Column("challenge_id", "integer", _("Identifier of its challenge")),
    Column("challenge", "string", _("Title of its challenge"), "challenge__title"),
    Column("title", "string", _("Title")),
    Column("body", "string", _("Description, as typed by its author")),
    Column("status", "string", _("Status code (published, accepted, …)")),
    Column("category", "string", _("Category name, if any"), "category__name"),
    Column("district", "string", _("District name, if any"), "district__name"),
    Column("latitude", "number", _("Latitude in degrees (WGS 84), if given")),
    Column("longitude", "number", _("Longitude in degrees (WGS 84), if given")),
    Column("language", "string", _("Language code of the text")),
    Column("support_count", "integer", _("Number of supports")),
    Column("comment_count", "integer", _("Number of comments")),
    Column("published_at", "datetime", _("When it was published")),
    Column(
        "channel",
        "string",
        _("How it reached the city: web, paper, workshop, phone, email or street_stand"),
    ),
    Column("channel_date", "date", _("The day it was given, for ideas given off-line")),
    Column(
        "category_translations",
        "object",
        _("Category name in the city's other languages, by language code"),
        "category__translations",
    ),
    Column(
        "district_translations",
        "object",
        _("District name in the city's other languages, by language code"),
        "district__translations",
    ),
)
CHALLENGE_COLUMNS = (
    Column("id", "integer", _("Identifier of the challenge")),
    Column("slug", "string", _("Short name used in addresses")),
    Column("title", "string", _("Title")),
    Column("summary", "string", _("Summary")),
    Column("phase", "string", _("Phase code (ideas, supports, evaluation, …)")),
    Column("ideas_deadline", "datetime", _("Deadline for ideas")),
    Column("supports_deadline", "datetime", _("Deadline for supports")),
    Column("results_date", "datetime", _("When results are expected")),
    Column("created_at", "datetime", _("When the challenge was created")),
    Column(
        "language",
        "string",
        _("Language code of the title and summary (the city's default language)"),
        "city__default_language",
    ),
    Column(
        "translations",
        "object",
        _("Title, summary and description in the city's other languages, by language code"),
    ),
)
ANSWER_COLUMNS = (
    Column("id", "integer", _("Identifier of the answer")),
    Column("idea_id", "integer", _("Identifier of the idea")),
    Column("idea_title", "string", _("Title of the idea"), "idea__title"),
    Column("from_status", "string", _("Status before")),
    Column("to_status", "string", _("Status after")),
    Column("message", "string", _("The city's public answer")),
    Column("created_at", "datetime", _("When the city answered")),
    Column(
        "language",
        "string",
        _("Language code of the answer (the city's default language)"),
        "city__default_language",
    ),
    Column(
        "translations",
        "object",
        _("The answer in the city's other languages, by language code"),
    ),
)
INITIATIVE_COLUMNS = (
    Column("id", "integer", _("Identifier of the initiative")),
    Column("title", "string", _("Title")),
    Column("summary", "string", _("Summary")),
    Column("status", "string", _("Status code (seeking, partly, fully, completed, cancelled)")),
    Column("group", "string", _("Name of the community group"), "group__name"),
    Column("district", "string", _("District name, if any"), "district__name"),
    Column("source_idea_id", "integer", _("Identifier of the idea it came from, if any")),
    Column("starts_on", "date", _("Start date")),
    Column("ends_on", "date", _("End date")),
    Column("open_need_count", "integer", _("Number of open needs")),
    Column("funding_remaining", "number", _("Funding still needed (EUR)")),
    Column("published_at", "datetime", _("When it was published")),
)
NEED_COLUMNS = (
    Column("id", "integer", _("Identifier of the need")),
    Column("initiative_id", "integer", _("Identifier of the initiative")),
    Column("kind", "string", _("Type of resource (funding, volunteers, …)")),
    Column("quantity", "number", _("Quantity needed")),
    Column("unit", "string", _("Unit of the quantity")),
    Column("fulfilled", "number", _("Quantity already pledged")),
    Column("description", "string", _("Description")),
    Column("deadline", "date", _("Deadline, if any")),
    Column("closed_at", "datetime", _("When the need was closed, if it was")),
)
PROJECT_COLUMNS = (
    Column("id", "integer", _("Identifier of the project")),
    Column("title", "string", _("Title")),
    Column("description", "string", _("Description (Markdown)")),
    Column("status", "string", _("Status code (planned, in_progress, done, stopped)")),
    Column("stop_reason", "string", _("Why it stopped, if it did")),
    Column("progress", "integer", _("Progress in percent")),
    Column(
        "progress_override_reason",
        "string",
        _("Why the progress was set by hand, if it was"),
    ),
    Column("category", "string", _("Category name, if any"), "category__name"),
    Column("district", "string", _("District name, if any"), "district__name"),
    Column("department", "string", _("Responsible department, if any"), "department__name"),
    Column("parent_id", "integer", _("Identifier of the larger project it is part of, if any")),
    Column("planned_start", "date", _("Planned start")),
    Column("planned_end", "date", _("Planned end")),
    Column("actual_start", "date", _("Actual start")),
    Column("actual_end", "date", _("Actual end")),
    Column("budget_planned", "number", _("Planned budget (EUR)")),
    Column("budget_spent", "number", _("Spent so far (EUR)")),
    Column("latitude", "number", _("Latitude in degrees (WGS 84), if given")),
    Column("longitude", "number", _("Longitude in degrees (WGS 84), if given")),
    Column("idea_ids", "object", _("Identifiers of the public ideas it carries out")),
    Column("external_ref", "string", _("The project's reference in the city's own system")),
    Column("created_at", "datetime", _("When the project was created")),
    Column("updated_at", "datetime", _("When the project last changed")),
    Column(
        "language",
        "string",
        _("Language code of the title and description (the city's default language)"),
        "city__default_language",
    ),
    Column(
        "translations",
        "object",
        _("Title and description in the city's other languages, by language code"),
    ),
)
MILESTONE_COLUMNS = (
    Column("id", "integer", _("Identifier of the milestone")),
    Column("project_id", "integer", _("Identifier of the project")),
    Column("title", "string", _("Title")),
    Column("starts_on", "date", _("Start date, if any")),
    Column("due_on", "date", _("Due date")),
    Column("done_on", "date", _("When it was done, if it is")),
    Column("weight", "integer", _("How much it counts in the project's progress")),
    Column("external_ref", "string", _("The milestone's reference in the city's own system")),
    Column(
        "translations",
        "object",
        _("Title in the city's other languages, by language code"),
    ),
)
PARTICIPATION_COLUMNS = (
    Column("district", "string", _("District name (empty: no district given)")),
    Column("month", "date", _("First day of the month")),
    Column("ideas", "integer", _("Public ideas submitted")),
    Column("supports", "integer", _("Supports given to public ideas")),
    Column("comments", "integer", _("Visible comments on public ideas")),
)


def _ideas() -> Iterable[tuple[Any, ...]]:
    queryset = Idea.objects.public().order_by("pk")
    return _values(queryset, IDEA_COLUMNS)


def _challenges() -> Iterable[tuple[Any, ...]]:
    return _values(Challenge.objects.public().order_by("pk"), CHALLENGE_COLUMNS)


def _answers() -> Iterable[tuple[Any, ...]]:
    queryset = StatusChange.objects.filter(
        is_official=True, is_public=True, idea__status__in=PUBLIC_STATUS_LIST
    ).order_by("pk")
    return _values(queryset, ANSWER_COLUMNS)


def _initiatives() -> Iterable[tuple[Any, ...]]:
    from sponsors.selectors import public_initiatives

    return _values(public_initiatives().order_by("pk"), INITIATIVE_COLUMNS)


def _needs() -> Iterable[tuple[Any, ...]]:
    from sponsors.models import Need
    from sponsors.selectors import public_initiatives

    queryset = Need.objects.filter(initiative__in=public_initiatives()).order_by("pk")
    return _values(queryset, NEED_COLUMNS)


def _projects() -> Iterable[tuple[Any, ...]]:
    """Public projects, without the responsible person (the department
    answers for it)."""
    from projects.models import Project

    public_ideas = Q(ideas__status__in=PUBLIC_STATUS_LIST)
    queryset = (
        Project.objects.public()
        .annotate(
            idea_ids=Coalesce(
                ArrayAgg(
                    "ideas__id",
                    filter=public_ideas,
                    distinct=True,
                    order_by="ideas__id",
                ),
                Value([], output_field=ArrayField(BigIntegerField())),
            )
        )
        .order_by("pk")
    )
    return _values(queryset, PROJECT_COLUMNS)


def _milestones() -> Iterable[tuple[Any, ...]]:
    from projects.models import Milestone, Project

    queryset = Milestone.objects.filter(project__in=Project.objects.public()).order_by("pk")
    return _values(queryset, MILESTONE_COLUMNS)


def _participation() -> Iterable[tuple[Any, ...]]:
    """Three grouped queries (ideas, supports, comments per district and
    month); the result has districts x months rows, small whatever the
    number of ideas."""
    counts: dict[tuple[str, datetime.date], list[int]] = {}

    def add(rows: Iterable[dict[str, Any]], index: int) -> None:
        for row in rows:
            if row["month"] is None:
                continue
            key = (row["district_name"] or "", row["month"].date())
            counts.setdefault(key, [0, 0, 0])[index] += row["n"]

    add(
        Idea.objects.public()
        .annotate(month=TruncMonth("created_at"), district_name=F("district__name"))
        .values("month", "district_name")
        .annotate(n=Count("pk"))
        .order_by(),
        0,
    )
    add(
        Support.objects.filter(idea__status__in=PUBLIC_STATUS_LIST)
        .annotate(month=TruncMonth("created_at"), district_name=F("idea__district__name"))
        .values("month", "district_name")
        .annotate(n=Count("pk"))
        .order_by(),
        1,
    )
    add(
        Comment.objects.filter(state=Comment.State.VISIBLE, idea__status__in=PUBLIC_STATUS_LIST)
        .annotate(month=TruncMonth("created_at"), district_name=F("idea__district__name"))
        .values("month", "district_name")
        .annotate(n=Count("pk"))
        .order_by(),
        2,
    )
    return [
        (district, month, *values)
        for (district, month), values in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "ideas",
            _("Ideas"),
            _("Public ideas of the city's challenges, without their authors."),
            IDEA_COLUMNS,
            _ideas,
        ),
        Dataset(
            "challenges",
            _("Challenges"),
            _("The city's calls for ideas and their phases."),
            CHALLENGE_COLUMNS,
            _challenges,
        ),
        Dataset(
            "official-answers",
            _("Official answers"),
            _("The city's public answers to ideas (status changes with a message)."),
            ANSWER_COLUMNS,
            _answers,
        ),
        Dataset(
            "initiatives",
            _("Initiatives"),
            _("Public initiatives of approved community groups."),
            INITIATIVE_COLUMNS,
            _initiatives,
        ),
        Dataset(
            "needs",
            _("Needs"),
            _("What the public initiatives need, and how much is pledged."),
            NEED_COLUMNS,
            _needs,
        ),
        Dataset(
            "projects",
            _("Projects"),
            _(
                "How the city carries out ideas: status, progress, dates, budget and "
                "the department responsible (never a person)."
            ),
            PROJECT_COLUMNS,
            _projects,
        ),
        Dataset(
            "milestones",
            _("Project milestones"),
            _("The milestones of the public projects, with due and done dates."),
            MILESTONE_COLUMNS,
            _milestones,
        ),
        Dataset(
            "participation",
            _("Participation per district and month"),
            _("Ideas, supports and comments counted per district and month."),
            PARTICIPATION_COLUMNS,
            _participation,
        ),
    )
}


# --- writing -------------------------------------------------------------------------


class _Line:
    """A file-like object for ``csv.writer`` that hands back each line."""

    def write(self, value: str) -> str:
        return value


def _iso(value: datetime.date | datetime.datetime) -> str:
    """ISO 8601 in the city's zone (active inside ``city_context``), with its
    offset, so a reader sees local times and the file says which zone."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return _iso(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def stream_csv(city: City, dataset: Dataset) -> Iterator[str]:
    """CSV lines; enters the city itself (runs after the view returned)."""
    writer = csv.writer(_Line())
    yield writer.writerow([c.name for c in dataset.columns])
    with city_context(city):
        for row in dataset.rows():
            yield writer.writerow([csv_cell(v) for v in row])


def stream_json(city: City, dataset: Dataset, meta: dict[str, Any]) -> Iterator[str]:
    """``{…meta, "records": [{…}, …]}`` written record by record."""
    head = json.dumps(meta, ensure_ascii=False)
    yield head[:-1] + (', "records": [' if len(head) > 2 else '"records": [')
    names = [c.name for c in dataset.columns]
    with city_context(city):
        first = True
        for row in dataset.rows():
            record = {name: _json_value(v) for name, v in zip(names, row, strict=True)}
            yield ("" if first else ",") + json.dumps(record, ensure_ascii=False)
            first = False
    yield "]}"


def dictionary(dataset: Dataset) -> list[dict[str, str]]:
    return [
        {"field": c.name, "type": c.type, "description": str(c.description)}
        for c in dataset.columns
    ]
