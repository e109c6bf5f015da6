"""Change list columns shown by a model admin's method, in the rows
``admin_rows`` writes (issue 17): the method found once per page, and a
``page_writer`` that works out once per page what does not change from
row to row."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.admin.utils import (  # type: ignore[attr-defined]
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_value,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

Cell = Callable[[Any], str]
_F = TypeVar("_F", bound=Callable[..., Any])


def admin_method(cl: ChangeList, field_name: Any) -> Any:
    """The model admin's method ``lookup_field`` would call for this column
    (a name that is no field of the model, found on the admin), or None.
    An admin's own ``action_checkbox`` keeps Django's path (its cell's class
    is another)."""
    if not isinstance(field_name, str) or field_name in ("__str__", "action_checkbox"):
        return None
    try:
        _get_non_gfk_field(cl.lookup_opts, field_name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        pass
    else:
        return None
    method = getattr(cl.model_admin, field_name, None)
    return method if callable(method) else None


def page_writer(factory: Callable[[Any], Callable[[Any], Any]]) -> Callable[[_F], _F]:
    """Marks a model admin's column method whose value, in the rows
    ``lean_results`` writes, a function made once per page gives instead:
    ``factory(model_admin)`` returns a function of the row's object that
    answers exactly as the method would (what does not change from row to
    row, such as translated texts and a URL's fixed parts, worked out once).
    Django's own rows, and everything else, call the method."""

    def mark(method: _F) -> _F:
        method.page_writer = factory  # type: ignore[attr-defined]
        return method

    return mark


def method_cell(
    model_admin: Any,
    method: Callable[[Any], Any],
    name: str,
    tag: str,
    link: tuple[str, str] | None,
    empty_default: str,
    pk_attname: str,
) -> Cell:
    """A column shown by a model admin's method (``items_for_result``'s
    branch for them), with what ``lookup_field`` looks up on every row (the
    model's field of that name, which raises, then the admin's attribute)
    done once per page, and the method's ``page_writer`` if it has one. A
    text is written as ``display_for_value`` and ``conditional_escape``
    would: stripped, the empty value if blank, escaped unless safe."""
    empty = getattr(method, "empty_value_display", empty_default)
    boolean = getattr(method, "boolean", False)
    factory = getattr(method, "page_writer", None)
    if factory is not None:
        method = factory(model_admin)
    empty_html = str(conditional_escape(empty))
    start, end = f'<{tag} class="field-{name}">', f"</{tag}>"
    start_nowrap = f'<{tag} class="field-{name} nowrap">'

    def inner(obj: Any) -> tuple[str, str]:
        try:
            value = method(obj)
        except ObjectDoesNotExist:
            return start, str(conditional_escape(empty_default))
        if not boolean:
            if type(value) is SafeString:
                return start, (str(value) if value else empty_html)
            if type(value) is str:
                value = value.strip()
                return start, (html.escape(value) if value else empty_html)
        text = str(conditional_escape(display_for_value(value, empty, boolean)))
        if isinstance(value, (datetime.date, datetime.time)):
            return start_nowrap, text
        return start, text

    if link is None:

        def cell(obj: Any) -> str:
            opening, text = inner(obj)
            return f"{opening}{text}{end}"

        return cell
    before, after = link

    def linked_cell(obj: Any) -> str:
        opening, text = inner(obj)
        key = html.escape(str(quote(getattr(obj, pk_attname))))
        return f'{opening}<a href="{before}{key}{after}">{text}</a>{end}'

    return linked_cell
