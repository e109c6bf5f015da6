"""Bulk CSV import of projects and of milestones (docs/projects.md, "Import").

One path for the dry run and the real import: every row goes through the
same ``projects.services`` functions inside one transaction, each row in its
own savepoint so one bad row does not hide the next one's error. A dry run,
or a file with any row error, is rolled back as a whole (all or nothing per
file); notifications written by the services roll back with it (transactional
outbox), and delivery is queued only on commit.

Idempotent: each row names a stable ``external_ref`` (unique per city, a
database constraint). A row whose reference exists updates that project or
milestone, and only what differs; a re-upload of the same file changes
nothing and creates nothing.

Cells are stored as typed: a cell starting with ``=``, ``+``, ``-`` or ``@``
is text, never evaluated (open data escapes it again on export). A leading
``'`` that our own CSV exports put before such a cell is taken off, so an
exported file imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput, ServiceError
from civicideas.text import CSV_DANGEROUS, clean_text
from ideas.models import Category, Department, District, Idea
from projects import services
from projects.models import EXTERNAL_REF_MAX, REASON_MAX, TEXT_MAX, TITLE_MAX, Milestone, Project
from projects.services.common import amount, require_manager
from projects.status import TRANSITIONS, ProjectStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User

#: Largest file accepted (bytes) and most data rows in one file: 10,000
#: rows of a city's project register is ten times the largest we know of.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
#: Errors listed per import; the rest are counted.
MAX_ERRORS = 200
PROJECTS = "projects"
MILESTONES = "milestones"

PROJECT_COLUMNS = (
    "external_ref",
    "title",
    "description",
    "status",
    "stop_reason",
    "category",
    "district",
    "department",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget_planned",
    "budget_spent",
    "idea_ids",
    "is_public",
)
MILESTONE_COLUMNS = (
    "external_ref",
    "project_ref",
    "title",
    "starts_on",
    "due_on",
    "done_on",
    "weight",
)
REQUIRED = {
    PROJECTS: ("external_ref", "title"),
    MILESTONES: ("external_ref", "project_ref", "title", "due_on"),
}
COLUMNS = {PROJECTS: PROJECT_COLUMNS, MILESTONES: MILESTONE_COLUMNS}
#: Marks a row with more cells than the header (no column has this name).
EXTRA = " extra"


class ImportRefused(InvalidInput):
    """The file as a whole cannot be read (encoding, size, header)."""


@dataclass
class RowResult:
    line: int
    ref: str
    action: str = ""  # "create", "update", "unchanged"
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.errors)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


class _Rollback(Exception):
    """Leaves the import's transaction without committing."""


# --- reading the file ------------------------------------------------------------


def check_size(size: int) -> None:
    """Refuse a file over ``MAX_BYTES`` (before reading it, when the size is known)."""
    if size > MAX_BYTES:
        raise ImportRefused(
            _("The file is larger than %(max)d MB; split it into several files.")
            % {"max": MAX_BYTES // (1024 * 1024)}
        )


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark. Anything
    else is refused with what to do, never guessed (a guessed encoding
    writes wrong letters into every name)."""
    check_size(len(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(_("The file is in UTF-16. Save it as “CSV UTF-8” and upload it again."))
    if b"\x00" in data:
        raise ImportRefused(_("This is not a CSV text file."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportRefused(
            _(
                "The file is not in UTF-8 (perhaps Windows-1252 or Latin-1). Save it as "
                "“CSV UTF-8” and upload it again."
            )
        ) from None


def read_rows(text: str, kind: str) -> list[tuple[int, dict[str, str]]]:
    """``(line number, {column: cell})`` per data row; the header is checked
    (known columns, the required ones present, none twice)."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise ImportRefused(_("The file is empty.")) from None
    except csv.Error as error:
        raise ImportRefused(_("The file is not valid CSV: %(e)s") % {"e": error}) from None
    known = COLUMNS[kind]
    unknown = [name for name in header if name not in known]
    missing = [name for name in REQUIRED[kind] if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise ImportRefused(
            _("The header row must name columns among: %(known)s (required: %(required)s).")
            % {"known": ", ".join(known), "required": ", ".join(REQUIRED[kind])}
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportRefused(
                    _("The file has more than %(max)s rows; split it into several files.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            values = {name: _cell(cell) for name, cell in zip(header, cells, strict=False)}
            if len(cells) > len(header):
                values[EXTRA] = "1"  # refused as a row error
            rows.append((reader.line_num, values))
    except csv.Error as error:
        raise ImportRefused(
            _("Line %(line)d is not valid CSV: %(e)s") % {"line": reader.line_num, "e": error}
        ) from None
    return rows


def _cell(raw: str) -> str:
    """The cell as typed, without surrounding blanks; a ``'`` our exports
    put before a formula-looking text (``civicideas.text.csv_cell``) is
    taken off (the text stays text)."""
    value = raw.strip()
    if value.startswith("'") and value[1:].startswith(CSV_DANGEROUS):
        value = value[1:]
    return value


# --- cleaning cells --------------------------------------------------------------


def _date(row: dict[str, str], name: str, label: str) -> date | None:
    raw = row.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _bad_date(label)
    except ValueError:
        return _bad_date(label)


def _bad_date(label: str) -> date:
    raise InvalidInput(_("%(field)s: write the date as YYYY-MM-DD.") % {"field": label})


def _bool(raw: str, label: str) -> bool:
    value = raw.strip().lower()
    if value in ("", "1", "true", "yes", "y"):
        return True
    if value in ("0", "false", "no", "n"):
        return False
    raise InvalidInput(_("%(field)s: write true or false.") % {"field": label})


def _text(row: dict[str, str], name: str, label: str, limit: int, required: bool = False) -> str:
    return clean_text(row.get(name, ""), field=label, max_length=limit, required=required)


class _Lookups:
    """This city's categories, districts and departments by slug, and its
    ideas by id: three queries per file, plus one for the ideas named."""

    def __init__(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.category = {c.slug: c for c in Category.objects.all()}
        self.district = {d.slug: d for d in District.objects.all()}
        self.department = {d.slug: d for d in Department.objects.all()}
        wanted: set[int] = set()
        for _line, row in rows:
            for token in _id_tokens(row.get("idea_ids", "")):
                if token.isascii() and token.isdigit() and len(token) <= 18:
                    wanted.add(int(token))
        self.ideas = {i.pk: i for i in Idea.objects.filter(pk__in=sorted(wanted))}

    def slug(self, kind: str, raw: str, label: str) -> Any:
        if not raw:
            return None
        found = getattr(self, kind).get(raw)
        if found is None:
            raise InvalidInput(
                _("%(field)s: no %(field)s “%(slug)s” in this city.")
                % {"field": label, "slug": raw}
            )
        return found

    def idea_list(self, raw: str) -> list[Idea]:
        ideas = []
        for token in _id_tokens(raw):
            pk = int(token) if token.isascii() and token.isdigit() and len(token) <= 18 else None
            idea = self.ideas.get(pk) if pk else None
            if idea is None:
                raise InvalidInput(
                    _("idea_ids: %(id)s is not an idea of this city.") % {"id": token[:20]}
                )
            ideas.append(idea)
        return ideas


def _id_tokens(raw: str) -> list[str]:
    return [t for t in raw.replace(";", " ").replace(",", " ").split() if t]


# --- applying rows ---------------------------------------------------------------


def _project_fields(row: dict[str, str], lookups: _Lookups) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": _text(row, "title", _("Title"), TITLE_MAX, required=True),
        "external_ref": _text(row, "external_ref", "external_ref", EXTERNAL_REF_MAX, True),
    }
    optional = {
        "description": lambda: _text(row, "description", _("Description"), TEXT_MAX),
        "category": lambda: lookups.slug("category", row["category"], "category"),
        "district": lambda: lookups.slug("district", row["district"], "district"),
        "department": lambda: lookups.slug("department", row["department"], "department"),
        "planned_start": lambda: _date(row, "planned_start", "planned_start"),
        "planned_end": lambda: _date(row, "planned_end", "planned_end"),
        "actual_start": lambda: _date(row, "actual_start", "actual_start"),
        "actual_end": lambda: _date(row, "actual_end", "actual_end"),
        "budget_planned": lambda: amount(row["budget_planned"], field="budget_planned"),
        "budget_spent": lambda: amount(row["budget_spent"], field="budget_spent"),
        "is_public": lambda: _bool(row["is_public"], "is_public"),
    }
    for name, clean in optional.items():
        if name in row:
            fields[name] = clean()
    return fields


def _status_path(current: str, target: str) -> list[str]:
    """The shortest way through the life cycle (``TRANSITIONS``)."""
    if current == target:
        return []
    seen = {current}
    queue: deque[tuple[str, list[str]]] = deque([(current, [])])
    while queue:
        status, path = queue.popleft()
        for following in sorted(TRANSITIONS[status]):
            if following == target:
                return [*path, following]
            if following not in seen:
                seen.add(following)
                queue.append((following, [*path, following]))
    raise InvalidInput(
        _("A project that is “%(current)s” cannot become “%(target)s”.")
        % {"current": ProjectStatus(current).label, "target": ProjectStatus(target).label}
    )


def _import_project(row: dict[str, str], lookups: _Lookups, by: User) -> str:
    fields = _project_fields(row, lookups)
    status = row.get("status", "") or None
    if status is not None and status not in ProjectStatus.values:
        raise InvalidInput(
            _("status: “%(value)s” is not one of %(choices)s.")
            % {"value": status[:30], "choices": ", ".join(ProjectStatus.values)}
        )
    reason = _text(row, "stop_reason", "stop_reason", REASON_MAX)
    ideas = lookups.idea_list(row.get("idea_ids", ""))
    # Dates a status change sets itself are given to it instead (below).
    actual_start = fields.pop("actual_start", None)
    actual_end = fields.pop("actual_end", None)
    project = Project.objects.filter(external_ref=fields["external_ref"]).first()
    if project is None:
        project = services.project_create(by=by, ideas=ideas, **fields)
        action = "create"
    else:
        changed = {k: v for k, v in fields.items() if getattr(project, k) != v}
        if changed:
            project = services.project_edit(project=project, by=by, **changed)
        new_ideas = [
            i for i in ideas if i.pk not in set(project.ideas.values_list("pk", flat=True))
        ]
        if new_ideas:
            services.project_link_ideas(project=project, by=by, ideas=new_ideas)
        action = "update" if changed or new_ideas else "unchanged"
    if status is not None:
        for step in _status_path(project.status, status):
            on = actual_start if step == ProjectStatus.IN_PROGRESS else None
            on = actual_end if step == ProjectStatus.DONE else on
            why = reason if step == ProjectStatus.STOPPED else ""
            services.project_set_status(project=project, by=by, status=step, reason=why, on=on)
            project.refresh_from_db()
            action = "update" if action == "unchanged" else action
    dates = {"actual_start": actual_start, "actual_end": actual_end}
    dates = {k: v for k, v in dates.items() if v is not None and getattr(project, k) != v}
    if dates:
        services.project_edit(project=project, by=by, **dates)
        action = "update" if action == "unchanged" else action
    return action


def _import_milestone(row: dict[str, str], by: User) -> str:
    ref = _text(row, "external_ref", "external_ref", EXTERNAL_REF_MAX, True)
    project_ref = _text(row, "project_ref", "project_ref", EXTERNAL_REF_MAX, True)
    project = Project.objects.filter(external_ref=project_ref).first()
    if project is None:
        raise InvalidInput(
            _("project_ref: no project of this city has the reference “%(ref)s”.")
            % {"ref": project_ref}
        )
    weight_raw = row.get("weight", "") or "1"
    if not (weight_raw.isascii() and weight_raw.isdigit() and 1 <= int(weight_raw) <= 1000):
        raise InvalidInput(_("The weight is a whole number from 1 to 1,000."))
    values = {
        "title": _text(row, "title", _("Title"), TITLE_MAX, required=True),
        "starts_on": _date(row, "starts_on", "starts_on"),
        "due_on": _date(row, "due_on", "due_on"),
        "done_on": _date(row, "done_on", "done_on"),
        "weight": int(weight_raw),
    }
    milestone = Milestone.objects.filter(external_ref=ref).first()
    same = milestone is not None and milestone.project_id == project.pk
    if same and all(getattr(milestone, k) == v for k, v in values.items()):
        return "unchanged"
    services.milestone_save(project=project, by=by, milestone=milestone, external_ref=ref, **values)
    return "create" if milestone is None else "update"


def projects_import_csv(*, by: User, data: bytes, kind: str, dry_run: bool) -> ImportReport:
    """Import a CSV file of projects or of milestones in the current city.

    ``dry_run`` checks every row through the services and writes nothing.
    The real import writes every row or, if any row is refused, none.
    Raises ``ImportRefused`` for a file that cannot be read at all.
    """
    require_manager(by)
    if kind not in COLUMNS:
        raise ImportRefused(_("Choose what the file holds: projects or milestones."))
    rows = read_rows(decode(data), kind)
    if not rows:
        raise ImportRefused(_("The file has a header but no rows."))
    report = ImportReport(kind=kind, dry_run=dry_run)
    seen: dict[str, int] = {}
    try:
        with transaction.atomic():
            lookups = _Lookups(rows) if kind == PROJECTS else None
            for line, row in rows:
                result = RowResult(line=line, ref=row.get("external_ref", "")[:EXTERNAL_REF_MAX])
                report.rows.append(result)
                if result.ref and result.ref in seen:
                    result.errors.append(
                        _("external_ref “%(ref)s” is already on line %(line)d.")
                        % {"ref": result.ref, "line": seen[result.ref]}
                    )
                    continue
                seen.setdefault(result.ref, line)
                if EXTRA in row:
                    result.errors.append(_("This row has more cells than the header."))
                    continue
                if len(report.errors) >= MAX_ERRORS:
                    continue  # counted, not checked: the file is refused anyway
                try:
                    with transaction.atomic():
                        if lookups is not None:
                            result.action = _import_project(row, lookups, by)
                        else:
                            result.action = _import_milestone(row, by)
                except ServiceError as error:
                    result.errors.append(error.message)
                except IntegrityError:
                    result.errors.append(
                        _("This row contradicts another one (dates or references).")
                    )
            if dry_run or report.errors:
                raise _Rollback
            report.applied = True
    except _Rollback:
        pass
    return report
