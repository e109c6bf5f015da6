"""What a change list's row shows, as the key of its kept markup
(``admin_rows.lean_results``; issue 17): the row's own values, column by
column, and what the page adds to every row. A method column says what it
reads with ``shown_from``; a list with a column that does not is written
on every view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.admin.views.main import ChangeList
from django.utils import timezone


def page_parts(cl: ChangeList, columns: list[str], link: Any) -> tuple[Any, ...]:
    """What a row's markup takes from the page rather than the row: the
    columns and their links, the change link (preserved filters), the empty
    value, the time zone its dates are shown in (the language is part of
    every fragment's key)."""
    return (
        cl.opts.label,
        type(cl.model_admin).__qualname__,
        columns,
        cl.list_display_links,
        link,
        str(cl.model_admin.get_empty_value_display()),
        timezone.get_current_timezone_name(),
    )


def row_parts(page: tuple[Any, ...], obj: Any, readers: list[Any]) -> list[Any]:
    """Every value a row shows: its key, then each column's inputs."""
    return [page, obj.pk, *[read(obj) for read in readers]]


def shown_from[F: Callable[..., Any]](*paths: str) -> Callable[[F], F]:
    """Declare which attributes of the row's object a change list column (a
    method) shows, as dotted paths (``"body"``, ``"idea.title"``): a list
    whose columns all say so keeps its rows by content (``lean_results``).
    A column that leaves anything out would show stale text."""

    def mark(func: F) -> F:
        func.row_inputs = paths  # type: ignore[attr-defined]
        return func

    return mark


def _path_reader(paths: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    steps = [path.split(".") for path in paths]

    def read(obj: Any) -> tuple[Any, ...]:
        values = []
        for names in steps:
            value = obj
            for name in names:
                value = getattr(value, name, None)
                if value is None:
                    break
            values.append(value)
        return tuple(values)

    return read


def declared_inputs(cl: ChangeList, field_name: Any) -> Callable[[Any], Any] | None:
    """What a method column reads, if it says so (``shown_from``)."""
    if callable(field_name):
        func = field_name
    elif hasattr(cl.model_admin, field_name):
        func = getattr(cl.model_admin, field_name)
    else:
        func = getattr(cl.model, field_name, None)
    paths = getattr(func, "row_inputs", None)
    return _path_reader(paths) if paths is not None else None
