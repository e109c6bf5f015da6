"""Keyset ("cursor") pagination whose cost does not grow with the page number.

The cursor is the position of the last row shown: the values of every
ordering column, signed so clients cannot forge it (a forged position could
otherwise carry any value into the query). The next page is one indexed
range query, ``WHERE (a, b, pk) > (…)`` spelled out for mixed directions,
instead of an OFFSET that reads every skipped row. The ordering is read from
the queryset itself and made unique by appending the primary key.

Forward-only by design: a list shows ``next``; clients keep earlier pages.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections import OrderedDict
from typing import Any

from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

CURSOR_SALT = "civicideas.api.cursor"


class InvalidCursor(exceptions.APIException):
    status_code = 400
    default_detail = _("This page link is invalid or belongs to another list.")
    default_code = "invalid_cursor"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


class KeysetPagination(BasePagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

    def __init__(self) -> None:
        #: Query parameters the next link must carry (e.g. the random seed).
        self.link_params: dict[str, Any] = {}
        self.next_position: list[Any] | None = None

    # --- page size -------------------------------------------------------------

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if not (raw.isascii() and raw.isdigit()):
            return self.page_size
        if len(raw) > 6:  # 10**9 and friends: no need to parse a huge number
            return self.max_page_size
        return max(1, min(int(raw), self.max_page_size))

    # --- ordering ----------------------------------------------------------------

    @staticmethod
    def ordering_of(queryset: QuerySet) -> list[str]:
        ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
        for item in ordering:
            if not isinstance(item, str) or "__" in item or item.startswith("?"):
                raise ImproperlyConfigured(
                    "KeysetPagination needs an ordering of plain field or annotation "
                    f"names, got {item!r}; annotate the expression and order by its name."
                )
        names = {item.lstrip("-") for item in ordering}
        if not names & {"pk", "id"}:
            last_desc = bool(ordering) and ordering[-1].startswith("-")
            ordering.append("-pk" if last_desc else "pk")
        return ordering

    @staticmethod
    def _after(ordering: list[str], position: list[Any]) -> Q:
        """Rows strictly after ``position`` in ``ordering`` (PostgreSQL puts
        NULLs last in ascending and first in descending order)."""
        condition = Q(pk__in=[])
        equal_so_far = Q()
        for item, value in zip(ordering, position, strict=True):
            desc = item.startswith("-")
            name = item.lstrip("-")
            if value is None:
                beyond = Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
                same = Q(**{f"{name}__isnull": True})
            else:
                if desc:
                    beyond = Q(**{f"{name}__lt": value})
                else:
                    beyond = Q(**{f"{name}__gt": value}) | Q(**{f"{name}__isnull": True})
                same = Q(**{name: value})
            condition |= equal_so_far & beyond
            equal_so_far &= same
        return condition

    # --- cursor ---------------------------------------------------------------------

    def _decode(self, request: Request, ordering: list[str]) -> list[Any] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            payload = signing.loads(raw, salt=CURSOR_SALT)
        except (signing.BadSignature, ValueError, UnicodeError):
            raise InvalidCursor() from None
        if (
            not isinstance(payload, dict)
            or payload.get("o") != ordering
            or not isinstance(payload.get("p"), list)
            or len(payload["p"]) != len(ordering)
        ):
            raise InvalidCursor()
        return payload["p"]

    def _encode(self, ordering: list[str], position: list[Any]) -> str:
        return signing.dumps({"o": ordering, "p": position}, salt=CURSOR_SALT, compress=True)

    # --- DRF interface ----------------------------------------------------------------

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        ordering = self.ordering_of(queryset)
        queryset = queryset.order_by(*ordering)
        position = self._decode(request, ordering)
        if position is not None:
            queryset = queryset.filter(self._after(ordering, position))
        size = self.get_page_size(request)
        rows = list(queryset[: size + 1])
        self.next_position = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            self.next_position = [_jsonable(getattr(last, i.lstrip("-"))) for i in ordering]
        self.ordering = ordering
        return rows

    def get_next_link(self) -> str | None:
        if self.next_position is None:
            return None
        url = self.request.build_absolute_uri()
        for key, value in self.link_params.items():
            url = replace_query_param(url, key, value)
        return replace_query_param(
            url, self.cursor_query_param, self._encode(self.ordering, self.next_position)
        )

    def get_paginated_response(self, data: Any) -> Response:
        return Response(OrderedDict([("next", self.get_next_link()), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Opaque position taken from the previous page's next link.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Results per page (at most %(max)d).") % {"max": self.max_page_size}
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
