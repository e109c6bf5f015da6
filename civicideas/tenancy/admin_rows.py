"""A change list's rows, written in one pass (issue 17).

Django's ``items_for_result`` renders every cell through ``format_html``,
``display_for_field`` and, for the first column, ``reverse`` plus
``add_preserved_filters`` (a URL parsed and resolved again) on every row;
its template then writes each of the 10 cells of the 50 rows as its own
template variable. At 100,000 ideas that was a third of the idea list's
CPU time. Here the same markup is written with what does not change from
row to row worked out once per page:

* the change link: built once for a stand-in primary key, preserved filters
  included, then the row's quoted key put in its place;
* each column's field (``lookup_field``'s resolution) and CSS classes;
* display values that repeat (a status, a count, a category), per field
  and value, within the page: ``display_for_field`` is a function of the
  value, the field and the language;
* the row checkbox's translated label;
* a foreign key's shown name, when the list also filters by it: the
  filter's choices (``RelatedFieldListFilter.lookup_choices``, ``str`` of
  each related object, in the page's language, cached per city by
  ``CachedChoicesFilter``, which also keeps the choices of a filter hidden
  for having one) already name every value, so the rows' query need not
  join and build the related objects (``list_select_related`` can leave
  them out: three joins and 150 objects per page of the idea list). The
  values the choices lack are named in one query for the page
  (``admin_row_names``).
* a column shown by a model admin's method: the method found once (Django's
  ``lookup_field`` first looks for a model field of that name, which
  raises, on every cell); a method marked with ``page_writer`` gives a
  function made once per page (its texts translated, its URLs' fixed parts
  reversed) that answers as the method would (``admin_row_methods``).

A row is one ``SafeString`` holding all its cells (the template's inner
loop then writes one item per row). When every column can say what it
shows (a model field, the checkbox, a method marked ``shown_from``), rows
are kept by content (``fragment_cache.addressed``; the key:
``admin_row_keys``): the row's key, every value its cells show and what
the page adds (the link with its preserved filters, the columns, the time
zone, the language), so a changed value is a new key and nothing is ever
invalidated. Half of the idea list's rows time at 100,000 ideas; one
``get_many`` for the page.

Lists this does not cover (editable lists, pop-ups, ``to_field``, a custom
``url_for_result``) keep Django's rows (``lean_rows_apply``)."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Any, TypeVar

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import ResultList
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    display_for_field,
    display_for_value,
    get_fields_from_path,
    lookup_field,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, formats
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext as _

from civicideas.tenancy.admin_row_keys import declared_inputs, page_parts, row_parts
from civicideas.tenancy.admin_row_methods import admin_method, method_cell
from civicideas.tenancy.admin_row_names import filter_labels, related_names
from civicideas.web import fragment_cache

#: The stand-in primary key of the change link built once per page: letters
#: and digits only, so ``quote`` and ``escape`` leave it as it is.
_PK_MARK = "0pk0mark0"
_UNSET: Any = object()

Cell = Callable[[Any], str]
_F = TypeVar("_F", bound=Callable[..., Any])


def lean_rows_apply(cl: ChangeList) -> bool:
    """Whether ``lean_results`` writes exactly Django's rows for ``cl``."""
    return (
        not cl.formset
        and not cl.is_popup
        and not cl.to_field
        and type(cl).url_for_result is ChangeList.url_for_result
    )


def lean_results(cl: ChangeList) -> list[ResultList]:
    """The page's rows, one ``SafeString`` of cells each, as Django's
    ``results(cl)`` would write them; kept by content when every column can
    say what it shows (``admin_row_keys``)."""
    cells = [cell for cell, _inputs in _written(cl)]
    objects = list(cl.result_list)
    keys = rows_parts(cl)
    if keys is not None:
        rows = zip(keys, objects, strict=True)
        items = [(parts, partial(_row_html, cells, obj)) for parts, obj in rows]
        return [ResultList(None, [row]) for row in fragment_cache.addressed("admin-row", items)]
    return [ResultList(None, [_row_html(cells, obj)]) for obj in objects]


def rows_parts(cl: ChangeList) -> list[list[Any]] | None:
    """Every value each of the page's rows shows (the keys its kept markup
    is found by, ``admin_row_keys``), or None when a column cannot say what
    it shows. Worked out once per list: the kept page's key
    (``admin_pages``) holds them too."""
    found = cl.__dict__.get("_lean_rows_parts", _UNSET)
    if found is _UNSET:
        readers = [inputs for _cell, inputs in _written(cl)]
        found = None
        if all(reader is not None for reader in readers):
            columns = [
                name if isinstance(name, str) else _callable_name(name, 0)
                for name in cl.list_display
            ]
            page = page_parts(cl, columns, _change_url(cl))
            found = [row_parts(page, obj, readers) for obj in cl.result_list]
        cl._lean_rows_parts = found  # type: ignore[attr-defined]
    return found


def _written(cl: ChangeList) -> list[tuple[Cell, Callable[[Any], Any] | None]]:
    """``_cells(cl)``, once per list (naming related values may query)."""
    written = cl.__dict__.get("_lean_cells")
    if written is None:
        written = cl._lean_cells = _cells(cl)  # type: ignore[attr-defined]
    return written


def _row_html(cells: list[Cell], obj: Any) -> SafeString:
    return SafeString("".join([cell(obj) for cell in cells]))  # every value escaped


def _link_in_col(is_first: bool, field_name: Any, cl: ChangeList) -> bool:
    if cl.list_display_links is None:
        return False
    if is_first and not cl.list_display_links:
        return True
    return field_name in cl.list_display_links


def _change_url(cl: ChangeList) -> tuple[str, str] | None:
    """The row link's escaped text before and after the quoted key, or None
    when the model has no change view."""
    opts = cl.opts
    try:
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=(_PK_MARK,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": opts}, url)
    before, _mark, after = escape(url).partition(_PK_MARK)
    return before, after


def _cells(cl: ChangeList) -> list[tuple[Cell, Callable[[Any], Any] | None]]:
    """Each column's cell writer and what it reads from the row's object
    (None: not known, so the rows are not kept)."""
    model_admin = cl.model_admin
    pk_attname = cl.lookup_opts.pk.attname
    empty_default = model_admin.get_empty_value_display()
    shown: dict[Any, Any] = {}
    link = _change_url(cl)
    labels = filter_labels(cl)
    cells: list[tuple[Cell, Callable[[Any], Any] | None]] = []
    first = True
    for index, field_name in enumerate(cl.list_display):
        linked = _link_in_col(first, field_name, cl)
        tag = "td"
        if linked:
            tag = "th" if first else "td"
            first = False
        if field_name == "action_checkbox" and _plain_checkbox(model_admin):
            cells.append((_checkbox_cell(pk_attname), str))
            continue
        field = _plain_field(cl, field_name)
        if field is not None:
            cells.append(
                _field_cell(
                    field,
                    tag,
                    link if linked else None,
                    linked,
                    empty_default,
                    pk_attname,
                    related_names(field, cl.result_list, labels.get(field.name, {}))
                    if field.many_to_one
                    else None,
                )
            )
            continue
        method = admin_method(cl, field_name)
        if method is not None and isinstance(field_name, str):
            cells.append(
                (
                    method_cell(
                        model_admin,
                        method,
                        field_name,
                        tag,
                        link if linked else None,
                        empty_default,
                        pk_attname,
                    ),
                    declared_inputs(cl, field_name),
                )
            )
            continue
        cells.append(
            (
                _value_cell(
                    cl,
                    field_name,
                    index,
                    tag,
                    linked,
                    link if linked else None,
                    empty_default,
                    shown,
                ),
                declared_inputs(cl, field_name),
            )
        )
    return cells


def plain_checkbox[F: Callable[..., Any]](method: F) -> F:
    """Marks a model admin's ``action_checkbox`` whose markup
    ``_checkbox_cell`` writes (``CityScopedAdmin``'s). An admin that
    overrides it again, unmarked, keeps its own cell."""
    method.plain_checkbox = True  # type: ignore[attr-defined]
    return method


def _plain_checkbox(model_admin: Any) -> bool:
    return getattr(type(model_admin).action_checkbox, "plain_checkbox", False) is True


def _checkbox_cell(pk_attname: str) -> Cell:
    """``CityScopedAdmin.action_checkbox`` in its cell, its label translated
    once per page."""
    label = _("Select this object for an action - {}")
    name = escape(helpers.ACTION_CHECKBOX_NAME)
    start = f'<td class="action-checkbox"><input type="checkbox" name="{name}" value="'

    def cell(obj: Any) -> str:
        # html.escape: Django's escape without its lazy-text wrapper.
        text = label.format(html.escape(str(obj)))
        pk = html.escape(str(getattr(obj, pk_attname)))
        return f'{start}{pk}" class="action-select" aria-label="{text}"></td>'

    return cell


def _plain_field(cl: ChangeList, field_name: Any) -> Any:
    """The model field ``lookup_field`` would find for this column (a
    concrete field or foreign key by its name, not created automatically),
    or None for anything else (methods, paths, the automatic primary key)."""
    if not isinstance(field_name, str):
        return None
    try:
        field = cl.lookup_opts.get_field(field_name)
    except FieldDoesNotExist:
        return None
    if (
        field.name != field_name
        or field.auto_created
        or not field.concrete
        or (field.is_relation and not field.many_to_one)
    ):
        return None
    return field


def _field_cell(
    field: Any,
    tag: str,
    link: tuple[str, str] | None,
    linked: bool,
    empty_default: str,
    pk_attname: str,
    names: dict[Any, str] | None = None,
) -> tuple[Cell, Callable[[Any], Any]]:
    """A model field's cell (``items_for_result``'s field branch) with what
    repeats worked out once: the cell's opening tag, and the shown text of a
    related object, a choice, a number or a flag per value and page.
    ``names``: a foreign key's escaped names by value (``_related_names``)."""
    name, attname = field.name, field.attname
    nowrap = isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
    start = f'<{tag} class="field-{name}{" nowrap" if nowrap else ""}">'
    end = f"</{tag}>"
    empty = str(conditional_escape(empty_default))
    memo: dict[Any, str] = dict(names or {})
    show: Callable[[Any], str]

    if isinstance(field.remote_field, models.ManyToOneRel):

        def show(obj: Any) -> str:
            key = getattr(obj, attname)
            if key is None:
                return empty
            try:
                return memo[key]
            except KeyError:
                try:
                    related = getattr(obj, name)
                except ObjectDoesNotExist:
                    return empty
                found = memo[key] = str(conditional_escape(related))
                return found

    elif type(field) in _PLAIN_TEXT and not field.flatchoices and name != "password":

        def show(obj: Any) -> str:
            value = getattr(obj, attname)
            return empty if value is None or value == "" else html.escape(str(value))

    elif isinstance(field, models.DateTimeField) and not field.flatchoices:
        # ``formats.localize``'s answer for a datetime, its format looked up
        # once per page (the cells are built per request, in its language).
        date_format = formats.get_format("DATETIME_FORMAT")

        def show(obj: Any) -> str:
            value = getattr(obj, attname)
            if value is None:
                return empty
            if not isinstance(value, datetime.datetime):
                return html.escape(str(formats.localize(template_localtime(value))))
            return html.escape(dateformat.format(template_localtime(value), date_format))

    else:

        def shown(value: Any) -> str:
            text = display_for_field(value, field, empty_default, avoid_link=linked)
            return str(conditional_escape(text))

        def show(obj: Any) -> str:
            value = getattr(obj, attname)
            try:
                return memo[value]
            except KeyError:
                found = memo[value] = shown(value)
                return found
            except TypeError:  # an unhashable value (JSON)
                return shown(value)

    # A foreign key's input is its shown name (a renamed category is a
    # changed row); any other field's is its value.
    inputs = show if field.many_to_one else attrgetter(attname)
    if link is None:
        return (lambda obj: f"{start}{show(obj)}{end}"), inputs
    before, after = link

    def linked_cell(obj: Any) -> str:
        key = html.escape(str(quote(getattr(obj, pk_attname))))
        return f'{start}<a href="{before}{key}{after}">{show(obj)}</a>{end}'

    return linked_cell, inputs


def _value_cell(
    cl: ChangeList,
    field_name: Any,
    index: int,
    tag: str,
    linked: bool,
    link: tuple[str, str] | None,
    empty_default: str,
    shown: dict[Any, Any],
) -> Cell:
    """One column's cell, as ``items_for_result`` writes it."""
    model_admin = cl.model_admin
    pk_attname = cl.lookup_opts.pk.attname
    name = field_name if not callable(field_name) else _callable_name(field_name, index)
    base_class = f"field-{name}"
    path_field: list[Any] = []  # the terminal field of "a__b", found once

    def cell(obj: Any) -> str:
        classes = [base_class]
        try:
            f, attr, value = lookup_field(field_name, obj, model_admin)
        except ObjectDoesNotExist:
            text = empty_default
        else:
            empty = getattr(attr, "empty_value_display", empty_default)
            if f is None and isinstance(field_name, str) and LOOKUP_SEP in field_name:
                if not path_field:
                    try:
                        path_field.append(get_fields_from_path(cl.model, field_name)[-1])
                    except FieldDoesNotExist:
                        path_field.append(None)
                f = path_field[0]
            if f is None or f.auto_created:
                if field_name == "action_checkbox":
                    classes = ["action-checkbox"]
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                text = display_for_value(value, empty, boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    classes.append("nowrap")
            else:
                if isinstance(f.remote_field, models.ManyToOneRel):
                    # A related object's name, once per object and page.
                    text = empty if value is None else _once(shown, (f, value), value, str)
                else:
                    text = _display(shown, value, f, empty, linked)
                if isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
                    classes.append("nowrap")
        inner = str(conditional_escape(text))
        if link is not None:
            key = escape(quote(getattr(obj, pk_attname)))
            inner = f'<a href="{link[0]}{key}{link[1]}">{inner}</a>'
        return f'<{tag} class="{" ".join(classes)}">{inner}</{tag}>'

    return cell


def _display(shown: dict[Any, Any], value: Any, field: Any, empty: str, avoid_link: bool) -> str:
    """``display_for_field``, each (field, value) worked out once per page."""
    if type(field) in _PLAIN_TEXT and not field.flatchoices and field.name != "password":
        # display_for_field's answer for a text without choices, directly.
        return empty if value is None or value == "" else str(value)
    return _once(
        shown,
        (field, value, avoid_link, empty),
        value,
        lambda v: display_for_field(v, field, empty, avoid_link=avoid_link),
    )


def _once(
    shown: dict[Any, Any], key: tuple[Any, ...], value: Any, show: Callable[[Any], Any]
) -> Any:
    try:
        return shown[key]
    except KeyError:
        found = shown[key] = show(value)
        return found
    except TypeError:  # an unhashable value (JSON)
        return show(value)


#: Fields ``display_for_field`` shows as ``str(value)`` (no link, no format).
_PLAIN_TEXT = (models.CharField, models.TextField, models.SlugField, models.EmailField)


def _callable_name(field_name: Callable[..., Any], index: int) -> str:
    name = field_name.__name__
    return f"lambda{index}" if name == "<lambda>" else name
