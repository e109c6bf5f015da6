"""The names a change list's foreign key columns show, without joining
the related tables for the page's rows (``admin_rows``; issue 17): from
the list's related filters' choices, which the page reads anyway, and
the rest in one query for the page."""

from __future__ import annotations

import html
from typing import Any, cast

from django.contrib.admin import filters as admin_filters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.utils.html import conditional_escape


def filter_choices(request: HttpRequest) -> dict[tuple[str, str], list[Any]]:
    """The related filters' choices read for this request, by (model label,
    field name): a filter with a single choice is not shown, so not among
    the change list's ``filter_specs``, yet it names that one value."""
    return cast(dict, request.__dict__.setdefault("_admin_filter_choices", {}))


def filter_labels(cl: ChangeList) -> dict[str, dict[Any, str]]:
    """The shown name of each value of the foreign keys the list filters by
    directly (``("challenge", …)``, not a path), by field name."""
    choices: dict[str, list[Any]] = {}
    request = getattr(cl, "request", None)
    if request is not None:
        label = cl.model._meta.label
        for (model, name), found in filter_choices(request).items():
            if model == label:
                choices[name] = found
    for spec in cl.filter_specs:
        if isinstance(spec, admin_filters.RelatedFieldListFilter):
            choices[getattr(spec, "field_path", "")] = spec.lookup_choices
    labels: dict[str, dict[Any, str]] = {}
    for name, found in choices.items():
        if LOOKUP_SEP in name:
            continue
        try:
            field = cl.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.many_to_one or field.target_field.attname != "id":  # type: ignore[union-attr]
            continue  # choices keyed by another column (to_field)
        labels[name] = {key: str(text) for key, text in found}
    return labels


def related_names(field: Any, rows: Any, named: dict[Any, str]) -> dict[Any, str]:
    """The escaped names of the objects a foreign key column of the page
    points to: from the filter's choices where they name them, the others
    in one query. None read when the rows' query joined them
    (``list_select_related``): the rows carry them."""
    attname = field.attname
    keys = {getattr(row, attname) for row in rows} - {None}
    names = {key: html.escape(named[key]) for key in keys if key in named}
    missing = keys - names.keys()
    if missing and not field.is_cached(next(iter(rows))):
        target = field.target_field.attname
        related_model = field.remote_field.model
        for related in related_model._base_manager.filter(**{f"{target}__in": missing}):
            names[getattr(related, target)] = str(conditional_escape(related))
    return names
