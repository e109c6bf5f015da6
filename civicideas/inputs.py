"""Numbers from the outside world: the one parser for ids and integers.

Every id or integer that arrives from outside -- a query parameter, a cookie,
a form or admin POST, a URL segment, a JSON body -- goes through this module
before it reaches ``int()`` or the ORM. Why not ``str.isdigit()`` and
``int()``: ``"²".isdigit()`` is true but ``int("²")`` raises; ``int("١٢")``
(Arabic-Indic digits) is 12, so two spellings name one row; ``int(" 1")``,
``int("+1")`` and ``int("1_0")`` succeed; and ``10**30`` overflows PostgreSQL's
bigint (``OverflowError`` deep in the driver). Each of those was a 500.

The rule here: ASCII digits only (an optional leading ``-`` where negatives
are allowed), no sign, no spaces, no underscores, at most 19 digits, within
explicit bounds. A value that breaks the rule is *absent*: the ``parse_*``
functions return None, the ``require_*`` functions raise :class:`BadNumber`
(a :class:`~civicideas.errors.InvalidInput`, so views answer 400 and the API
a validation error), and the URL converter does not match (404).
"""

from __future__ import annotations

import re

from django.urls.converters import IntConverter
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput

#: PostgreSQL ``bigint`` (Django's ``BigAutoField``), the widest id column.
BIGINT_MAX = 2**63 - 1
#: The highest page number any list accepts (far past the last page of any
#: list; a bigger number is clamped, never an error).
PAGE_MAX = 100_000

_ASCII_INT = re.compile(r"-?[0-9]{1,19}")
_ASCII_INTEGER = re.compile(r"-?[0-9]+")


class BadNumber(InvalidInput):
    """An id or integer from outside that is not one (400)."""


def parse_int(raw: object, *, minimum: int, maximum: int) -> int | None:
    """``raw`` as an int within ``minimum..maximum``, or None.

    Accepts a ``str`` of ASCII digits (with a leading ``-`` only when
    ``minimum`` is negative) or an ``int`` (not a ``bool``: ``True`` is not
    the id 1). Floats, Decimals, ``"1e3"``, ``" 1"``, ``"+1"``, ``"1_0"``,
    ``"²"``, ``"①"``, Arabic-Indic digits, NUL bytes and numbers out of bounds are None.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        if not _ASCII_INT.fullmatch(raw) or (raw.startswith("-") and minimum >= 0):
            return None
        value = int(raw)
    else:
        return None
    return value if minimum <= value <= maximum else None


def is_integer_literal(raw: object) -> bool:
    """True for an ``int`` (not a ``bool``) or a string of ASCII digits with
    an optional ``-``, of any size: a whole number, even if not a valid id."""
    if isinstance(raw, bool):
        return False
    return isinstance(raw, int) or (isinstance(raw, str) and bool(_ASCII_INTEGER.fullmatch(raw)))


def parse_id(raw: object) -> int | None:
    """A primary key (1..bigint max) or None. See :func:`parse_int`."""
    return parse_int(raw, minimum=1, maximum=BIGINT_MAX)


def parse_ids(raws: object) -> list[int] | None:
    """Every item of ``raws`` as an id, or None if any is not one.

    One bad item spoils the list: a bulk action on "what was ticked" must
    not silently act on a subset.
    """
    if isinstance(raws, (str, bytes)) or not hasattr(raws, "__iter__"):
        return None
    ids: list[int] = []
    for raw in raws:
        pk = parse_id(raw)
        if pk is None:
            return None
        ids.append(pk)
    return ids


def require_id(raw: object, *, field: str = "id") -> int:
    """Like :func:`parse_id`, but a bad value raises :class:`BadNumber` (400)."""
    value = parse_id(raw)
    if value is None:
        raise BadNumber(_("%(field)s must be a whole number (an id).") % {"field": field})
    return value


def parse_page(raw: object, *, maximum: int = PAGE_MAX) -> int:
    """A page number from a query string: 1 when absent or not a number,
    ``maximum`` when larger (a list past its end shows its last page)."""
    if isinstance(raw, str) and _ASCII_INTEGER.fullmatch(raw) and not raw.startswith("-"):
        # Any length: "9" * 5000 is past the end (never parsed, never an error).
        return maximum if len(raw) > 19 else max(1, min(int(raw), maximum))
    value = parse_int(raw, minimum=1, maximum=maximum)
    return value if value is not None else 1


class IdConverter(IntConverter):
    """``<id:pk>`` in URL patterns: ASCII digits naming a bigint 1..2**63-1.

    Django's ``<id:...>`` matches ``[0-9]+`` of any length, so
    ``/ideas/99999999999999999999999/`` reached the view and overflowed in
    the database; this converter does not match it, which is a 404.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # Django: no match, try the next pattern (404)
        return number


def register_converters() -> None:
    """Register ``<id:...>`` once (called from the core app's ``ready``)."""
    from django.urls import register_converter
    from django.urls.converters import get_converters

    if "id" not in get_converters():
        register_converter(IdConverter, "id")
