"""Read an uploaded CSV or XLSX file into header + rows of plain strings.

Limits are checked while reading, never after: a file over ``MAX_BYTES``
is refused before it is read, and reading stops at row ``MAX_ROWS + 1``,
so a 100,000-row file costs 5,001 rows of work. Cells are text: an XLSX
is opened with ``read_only=True, data_only=True`` (the value the
spreadsheet last computed, or nothing; openpyxl never evaluates a
formula), and a CSV cell starting with ``=`` stays that string.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50
MAX_CELL = 20_000


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


def _too_many_rows() -> InvalidInput:
    return InvalidInput(
        _("The file has more than %(max)s rows. Split it into files of at most %(max)s rows.")
        % {"max": f"{MAX_ROWS:,}"}
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()[:MAX_CELL]


def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(
            _("The file is in UTF-16. Save it as CSV UTF-8 (comma delimited) and upload it again.")
        )
    if b"\x00" in data[:8192]:
        raise InvalidInput(
            _("This is not a text file: it contains binary data. Upload a CSV or an XLSX file.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            _(
                "The file is not in UTF-8 (byte %(position)s cannot be read; Latin-1 or "
                "Windows-1252 perhaps). Save it as CSV UTF-8 and upload it again."
            )
            % {"position": error.start + 1}
        ) from error


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode_csv(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            if len(rows) > MAX_ROWS:
                raise _too_many_rows()
            rows.append([_cell(value) for value in row[:MAX_COLUMNS]])
    except csv.Error as error:
        raise InvalidInput(
            _("The CSV file cannot be read: %(problem)s.") % {"problem": error}
        ) from error
    return rows


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise InvalidInput(
            _("The XLSX file cannot be read: is it really a spreadsheet?")
        ) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return []
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if len(rows) > MAX_ROWS:
                raise _too_many_rows()
            rows.append([_cell(value) for value in values])
        return rows
    finally:
        workbook.close()


def _trimmed(row: list[str]) -> list[str]:
    while row and not row[-1]:
        row = row[:-1]
    return row


def read_table(*, name: str, data: bytes) -> Table:
    """The header row and the data rows of an uploaded file, or
    ``InvalidInput`` saying what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            _("The file is larger than %(max)s MB.") % {"max": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise InvalidInput(_("The file is empty."))
    lower = name.lower()
    if lower.endswith(".xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            raise InvalidInput(_("The XLSX file cannot be read: is it really a spreadsheet?"))
        raw = _read_xlsx(data)
    elif lower.endswith((".csv", ".txt")):
        if data.startswith(b"PK\x03\x04"):
            raise InvalidInput(
                _("This is not a text file: it contains binary data. Upload a CSV or an XLSX file.")
            )
        raw = _read_csv(data)
    else:
        raise InvalidInput(_("Upload a .csv or .xlsx file."))
    # Blank lines (and trailing empty cells of a spreadsheet) carry nothing.
    raw = [_trimmed(row) for row in raw if any(row)]
    if not raw:
        raise InvalidInput(_("The file is empty."))
    headers, rows = raw[0], raw[1:]
    if not rows:
        raise InvalidInput(_("The file has column headers but no rows of ideas."))
    if len(rows) > MAX_ROWS:
        raise _too_many_rows()
    width = len(headers)
    rows = [(row + [""] * width)[:width] for row in rows]
    headers = [h or _("Column %(n)s") % {"n": i + 1} for i, h in enumerate(headers)]
    return Table(headers=headers, rows=rows)
