"""Sorting a city admin's change list (issue 17).

Django's admin hides the header link of a column left out of
``sortable_by`` but still sorts by it when ``?o=`` names it: a hand-edited
link would sort the city's 100,000 ideas by a column no index serves.
``SortedChangeList`` sorts by the sortable columns only.

An admin may also give each sortable column's whole order
(``SortedAdminMixin.sort_orders``), the order one index holds, tie-breaks
included. The list is then sorted by one column at a time, in that order or
its exact reverse: Django would append the admin's default ordering
(``-created_at, -pk``) after the chosen column whatever its direction, and an
ascending count followed by a descending date is an order no index returns
(PostgreSQL sorts the whole first group of equal counts, or every row when
almost all counts are 0). Read forwards or backwards, one index serves both
directions (docs/performance.md, issue 17).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest


class SortedChangeList(ChangeList):
    """Django's change list, sorted by sortable columns only (see the module)."""

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        #: For the rows (``admin_rows``): what the request's filters read.
        self.request = request
        super().__init__(request, *args, **kwargs)

    def get_ordering_field(self, field_name: Any) -> Any:
        # None: Django skips the column ("no admin_order_field").
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)

    def get_ordering(self, request: HttpRequest, queryset: QuerySet) -> list[Any]:
        chosen = self._sort_columns()
        whole_orders: Mapping[str, Sequence[str]] = getattr(self.model_admin, "sort_orders", {})
        if whole_orders:
            chosen = chosen[:1]
        # The query string's links (pages, headers, filters) keep the sort
        # actually applied: no unknown or refused column is carried along.
        if chosen:
            self.params[ORDER_VAR] = ".".join(
                f"-{index}" if descending else str(index) for index, descending in chosen
            )
        else:
            self.params.pop(ORDER_VAR, None)
        if chosen and whole_orders:
            index, descending = chosen[0]
            order = whole_orders.get(str(self.list_display[index]))
            if order:
                return _directed(order, descending)
        return super().get_ordering(request, queryset)

    def _sort_columns(self) -> list[tuple[int, bool]]:
        """The valid sortable columns of ``?o=``, in order: (index, descending).
        Anything else ("abc", "-", "99", a column that is not sortable) is
        left out, as Django leaves out an invalid column."""
        raw = self.params.get(ORDER_VAR)
        if not isinstance(raw, str):
            return []
        columns: list[tuple[int, bool]] = []
        seen: set[int] = set()
        for part in raw.split("."):
            _, prefix, number = part.rpartition("-")
            if not (number.isascii() and number.isdigit()) or len(number) > 3:
                continue
            index = int(number)
            if index >= len(self.list_display) or index in seen:
                continue
            if not self.get_ordering_field(self.list_display[index]):
                continue
            seen.add(index)
            columns.append((index, prefix == "-"))
        return columns


def _directed(order: Sequence[str], descending: bool) -> list[str]:
    """``order`` as given when its first column goes the chosen way, else
    every term reversed."""
    if order[0].startswith("-") == descending:
        return list(order)
    return [term[1:] if term.startswith("-") else f"-{term}" for term in order]


class SortedAdminMixin:
    """Change lists sorted by ``SortedChangeList``.

    ``sort_orders``: for a sortable column, the list's whole order when it is
    sorted by that column (as one index holds it, ending with a unique
    column); the other direction is its exact reverse. Empty: Django's
    multi-column sorting, by the sortable columns only."""

    sort_orders: Mapping[str, Sequence[str]] = {}

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SortedChangeList
