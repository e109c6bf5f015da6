"""The public initiative list's reads in few statements (issue 17).

``list_setup``: what the list page needs before it can choose its rows --
the city's categories and districts (the filter choices, and the cards'
tags) and the viewer's sponsor roles -- in one statement instead of three.

``best_match_page``: one page of the list sorted by best match for a
sponsor, with every card's columns and category ids, in one statement
instead of two (page, categories). The order is the one
``selectors.initiative_list(sort="match")`` gives: the sponsor's stored
score (``-1`` without one), then newest published, then id, all
descending. No index serves that order over the whole list (20,000
initiatives: 17 ms of SQL sorting every public initiative), but its parts
are served: a sponsor has at most ``matching.TOP_K`` stored scores
(``match_sponsor_idx``, best first), and the rest, all scored ``-1``, come
newest first from ``initiative_newest_idx`` (status, published) one status
at a time. The page is taken from the union of the first ``offset +
limit`` rows of each part, which holds the first ``offset + limit`` rows of
the whole list: about 2 ms for a first page. (A page deep in the list
reads as many rows as the old plan did.) Which initiatives match the
filters is not written here: the page's row source is the SQL the ORM
compiles from ``selectors.filtered_initiatives``, the list's one
definition of them (``_matching``).

``sorted_page``: one page of the list sorted newest first, closing soon
or most needed (``selectors.LIST_ORDERS``), read as the best-match page is
(cards' columns and category ids in one statement). Each order is served
exactly by a partial index on the public statuses (``initiative_public_*_idx``:
city, then the order's columns, nulls and the id tie-breaker included), so
PostgreSQL reads the first rows in order and stops: about 0.3 ms of SQL for a
first page instead of 30 ms reading and sorting every public initiative.

``initiative_page``: the list's page for any sort, choosing between these
readers and the paginated queryset, so the view does not.

Tenancy: every table is filtered on the current city as well as by its
row-level security policy. The cards' category and district objects come
from ``list_setup``'s (the same city's); a card whose tag is missing there
(never, by the schema's same-city keys) reads its own as the ORM would.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import connection
from django.db.models import F
from django_scopes.state import get_scope

from civicideas.accounts.rules import signed_in
from civicideas.content.search_config import search_config
from civicideas.pagination import ResultPage, cached_count, page_of, paginate
from civicideas.tenancy.context import current_city
from ideas.models import Category, District
from sponsors import rules, selectors
from sponsors.models import OPEN_STATUSES, PUBLIC_STATUSES, Initiative

if TYPE_CHECKING:
    from django.db.models import Field

    from civicideas.accounts.types import Viewer

#: Score of an initiative without a stored match (as in ``selectors.initiative_list``).
NO_MATCH = -1.0

#: What a card shows (``sponsors.fragments``) and the order needs; the other
#: columns (description, search vector...) are not read.
CARD_FIELDS = frozenset(
    {
        "id",
        "city_id",
        "title",
        "summary",
        "status",
        "image",
        "district_id",
        "progress_percent",
        "open_need_count",
        "funding_remaining",
        "next_deadline",
        "published_at",
    }
)


@dataclass(frozen=True)
class ListSetup:
    """The filter choices (by name, as ``selectors.filter_options``) and the
    viewer's ``{sponsor id: role}`` (as ``rules.sponsor_roles``)."""

    categories: list[Category]
    districts: list[District]
    sponsor_roles: dict[int, str]

    @property
    def sponsor_id(self) -> int | None:
        """The sponsor whose matches order the list: the viewer's first."""
        return min(self.sponsor_roles) if self.sponsor_roles else None


_SETUP_SQL = """
SELECT 0 AS kind, id, name, translations FROM ideas_category WHERE city_id = %(city)s
UNION ALL
SELECT 1, id, name, translations FROM ideas_district WHERE city_id = %(city)s
UNION ALL
SELECT 2, sponsor_id, role, NULL FROM sponsors_sponsormembership
 WHERE city_id = %(city)s AND user_id = %(user)s
ORDER BY kind, name
"""


def list_setup(user: Viewer) -> ListSetup:
    """Categories, districts and the viewer's sponsor roles in the current
    city, in one statement. The roles are remembered on the user as
    ``rules.sponsor_roles`` remembers them, so a later rule asks no more."""
    city = current_city()
    user_id = user.pk if signed_in(user) else None
    with connection.cursor() as cursor:
        cursor.execute(_SETUP_SQL, {"city": city.pk, "user": user_id})
        rows = cursor.fetchall()
    categories: list[Category] = []
    districts: list[District] = []
    roles: dict[int, str] = {}
    for kind, pk, name, stored in rows:
        if kind == 2:
            roles[pk] = name
            continue
        model = Category if kind == 0 else District
        loaded = {
            "id": pk,
            "city_id": city.pk,
            "name": name,
            # Django's psycopg set-up hands jsonb over as text (for JSONField).
            "translations": json.loads(stored) if isinstance(stored, str) else stored,
        }
        # ``from_db`` takes the values in the model's field order.
        names = [f.attname for f in model._meta.concrete_fields if f.attname in loaded]
        obj = model.from_db(connection.alias, names, [loaded[n] for n in names])
        (categories if kind == 0 else districts).append(obj)  # type: ignore[arg-type]
    if user_id is not None:
        rules.remember_sponsor_roles(user, roles)
    return ListSetup(categories, districts, roles)


def initiative_page(
    *,
    setup: ListSetup,
    sort: str,
    page: int,
    per_page: int,
    count_key: str | None = None,
    category: int | None = None,
    district: int | None = None,
    need_type: str | None = None,
    open_only: bool = False,
    query: str = "",
) -> ResultPage:
    """Page ``page`` of the public initiative list, filtered and sorted,
    and its total (cached under ``count_key``, which must name the city
    and the filters): the one place that chooses how the list is read, so
    the page, and any other client of the list, read it alike. Sorted by
    best match for the viewer's sponsor (``setup.sponsor_id``), the page is
    read from its indexed parts (``best_match_page``) and the queryset is
    built only to count; any other sort (or best match without a sponsor,
    which is newest first) is read by ``sorted_page`` in the order
    ``selectors.initiative_list`` gives; only relevance (never offered by
    the form) pages the queryset."""
    filters: dict[str, Any] = {
        "category": category,
        "district": district,
        "need_type": need_type,
        "open_only": open_only,
        "query": query,
    }
    sponsor_id = setup.sponsor_id

    def count() -> int:
        matching = selectors.filtered_initiatives(**filters)
        return matching.count() if count_key is None else cached_count(matching, count_key)

    if sort == "match" and sponsor_id is not None:
        return page_of(
            fetch=lambda offset, limit: best_match_page(
                sponsor_id=sponsor_id, offset=offset, limit=limit, setup=setup, **filters
            ),
            count=count,
            page=page,
            per_page=per_page,
        )
    if sort == "relevance" and selectors.clean_query(query):
        initiatives = selectors.initiative_list(**filters, sort=sort, sponsor_id=sponsor_id)
        return paginate(initiatives, page=page, per_page=per_page, count_key=count_key)
    return page_of(
        fetch=lambda offset, limit: sorted_page(
            sort=sort, offset=offset, limit=limit, setup=setup, **filters
        ),
        count=count,
        page=page,
        per_page=per_page,
    )


_PAGE_SQL = """
WITH page AS (
  SELECT u.id, u.score FROM (
    (SELECT i.id, m.score, i.published_at
       FROM sponsors_sponsormatch m JOIN (__MATCHING__) i ON i.id = m.initiative_id
      WHERE m.city_id = %(city)s AND m.sponsor_id = %(sponsor)s
        AND i.status = ANY(%(statuses)s) AND i.city_id = %(city)s
      ORDER BY m.score DESC, i.published_at DESC, i.id DESC
      LIMIT %(upto)s)
    UNION ALL
    (SELECT b.id, %(no_match)s, b.published_at
       FROM unnest(%(statuses)s::text[]) AS st(status)
      CROSS JOIN LATERAL (
        SELECT i.id, i.published_at FROM (__MATCHING__) i
         WHERE i.status = st.status AND i.city_id = %(city)s
           AND NOT EXISTS (SELECT 1 FROM sponsors_sponsormatch m
                           WHERE m.city_id = %(city)s AND m.sponsor_id = %(sponsor)s
                             AND m.initiative_id = i.id)
         ORDER BY i.published_at DESC, i.id DESC
         LIMIT %(upto)s) b)
  ) u
  ORDER BY u.score DESC, u.published_at DESC, u.id DESC
  LIMIT %(limit)s OFFSET %(offset)s
)
SELECT __COLUMNS__, page.score,
       ARRAY(SELECT ic.category_id FROM sponsors_initiative_categories ic
              WHERE ic.city_id = %(city)s AND ic.initiative_id = i.id)
  FROM page JOIN sponsors_initiative i ON i.id = page.id AND i.city_id = %(city)s
 ORDER BY page.score DESC, i.published_at DESC, i.id DESC
"""

#: The card's columns in the model's order (``Model.from_db`` takes them so).
_COLUMNS = [f.attname for f in Initiative._meta.concrete_fields if f.attname in CARD_FIELDS]

#: What the pages read from ``_matching``: the id, the city and status the
#: scans start from, and every column an order sorts on.
_MATCHING_COLUMNS = (
    "id",
    "city_id",
    "status",
    "published_at",
    "next_deadline",
    "open_need_count",
    "funding_remaining",
)


def best_match_page(
    *,
    sponsor_id: int,
    offset: int,
    limit: int,
    setup: ListSetup,
    category: int | None = None,
    district: int | None = None,
    need_type: str | None = None,
    open_only: bool = False,
    query: str = "",
) -> list[Initiative]:
    """Rows ``offset`` to ``offset + limit`` of the public initiatives
    matching the filters, best match for ``sponsor_id`` first (the order
    and filters of ``selectors.initiative_list``), each with
    ``match_score``, its district and its categories (by name) in place.
    Only the cards' columns are read; others are deferred."""
    city = current_city()
    sql, matching_params = _statement(
        _PAGE_SQL,
        category=category,
        district=district,
        need_type=need_type,
        open_only=open_only,
        query=query,
    )
    # The statuses only choose where the index scans start (the open ones
    # when only those can match); the filters' own status test is in ``matching``.
    statuses = [str(s) for s in (OPEN_STATUSES if open_only else PUBLIC_STATUSES)]
    params: dict[str, Any] = {
        "city": city.pk,
        "sponsor": sponsor_id,
        "statuses": statuses,
        "no_match": NO_MATCH,
        "upto": offset + limit,
        "limit": limit,
        "offset": offset,
        **matching_params,
    }
    return _cards(_rows(sql, params), setup)


def _statement(
    template: str,
    *,
    category: int | None,
    district: int | None,
    need_type: str | None,
    open_only: bool,
    query: str,
    order: str = "",
) -> tuple[str, dict[str, Any]]:
    """A page's statement from ``template``: the filters' compiled SQL
    (``_matching``) as its row source, the cards' columns and the order in
    their places; and the filters' parameters."""
    matching, params = _matching(
        {
            "category": category,
            "district": district,
            "need_type": need_type,
            "open_only": open_only,
            "query": selectors.clean_query(query),
        }
    )
    sql = (
        template.replace("__MATCHING__", matching)
        .replace("__ORDER__", order)
        .replace("__COLUMNS__", ", ".join(f"i.{c}" for c in _COLUMNS))
    )
    return sql, params


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_SORTED_SQL = """
WITH page AS (
  SELECT i.id FROM (__MATCHING__) i
   WHERE i.city_id = %(city)s
   ORDER BY __ORDER__
   LIMIT %(limit)s OFFSET %(offset)s
)
SELECT __COLUMNS__,
       ARRAY(SELECT ic.category_id FROM sponsors_initiative_categories ic
              WHERE ic.city_id = %(city)s AND ic.initiative_id = i.id)
  FROM page JOIN sponsors_initiative i ON i.id = page.id AND i.city_id = %(city)s
 ORDER BY __ORDER__
"""


def sorted_page(
    *,
    sort: str,
    offset: int,
    limit: int,
    setup: ListSetup,
    category: int | None = None,
    district: int | None = None,
    need_type: str | None = None,
    open_only: bool = False,
    query: str = "",
) -> list[Initiative]:
    """Rows ``offset`` to ``offset + limit`` of the public initiatives
    matching the filters in ``selectors.LIST_ORDERS[sort]`` (newest first
    for any other sort, as ``selectors.initiative_list``), each with its
    district and its categories (by name) in place. Only the cards'
    columns are read; others are deferred."""
    sql, matching_params = _statement(
        _SORTED_SQL,
        category=category,
        district=district,
        need_type=need_type,
        open_only=open_only,
        query=query,
        order=order_sql(sort),
    )
    params = {"city": current_city().pk, "limit": limit, "offset": offset, **matching_params}
    return _cards(_rows(sql, params), setup, scored=False)


def order_sql(sort: str) -> str:
    """``selectors.LIST_ORDERS[sort]`` (newest for any other sort) as SQL on
    the alias ``i``: the one definition of the order, written out
    for a hand-written statement (plain columns only)."""
    parts = []
    for order in selectors.LIST_ORDERS.get(sort, selectors.LIST_ORDERS["newest"]):
        named = order.expression
        if not isinstance(named, F):
            raise TypeError(f"{sort}: only columns can be written out, not {named!r}")
        meta = Initiative._meta
        name = named.name  # type: ignore[attr-defined]  # set by F.__init__, unstubbed
        field = meta.pk if name == "pk" else meta.get_field(name)
        column = cast("Field[Any, Any]", field).column
        nulls = " NULLS LAST" if order.nulls_last else " NULLS FIRST" if order.nulls_first else ""
        parts.append(f"i.{column} {'DESC' if order.descending else 'ASC'}{nulls}")
    return ", ".join(parts)


#: Stand-ins for the filters' values while ``_matching`` compiles their SQL,
#: found again among the compiled parameters: none can be a real value (ids
#: are positive, and text holding NUL never reaches the database).
_STAND_INS: dict[str, Any] = {
    "category": -(2**62) - 1,
    "district": -(2**62) - 2,
    "need_type": "\x00need_type",
    "query": "\x00query",
}

#: Compiled filters kept per process (``_matching``); past this the memo starts afresh.
MAX_COMPILED = 128

#: (shape, database, scope, search configuration) -> (SQL, ((name, stand-in or None, value), ...)).
_memo: dict[tuple[Any, ...], tuple[str, tuple[tuple[str, str | None, Any], ...]]] = {}


def _matching(given: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The SQL of ``selectors.filtered_initiatives(**given)``
    (``_MATCHING_COLUMNS``) and its named parameters: the filters'
    one definition, compiled by the ORM, is the page's row source, so the
    page and the queryset cannot disagree on which initiatives match.
    PostgreSQL pulls the subquery up into the page's query, so the plan is
    the hand-written one's: the status index scanned newest first, or the
    search index for a search. (An ``EXISTS`` on the initiative's id,
    tried first, tested the filters only after a primary-key probe per
    row: 60 ms instead of 15 for ``q=garden`` at 20,000 initiatives.)

    Building and compiling the queryset cost 0.5-0.7 ms a page, a tenth of
    the page's CPU: the SQL is compiled once per process for each shape
    (which filters are given), database, django-scopes state (the current
    city, which the managers turn into a ``city_id`` condition, as in
    ``ideas.moderation._compiled``) and search configuration, with
    stand-ins for the filters' values, whose places in the compiled
    parameters take each request's values. Positional ``%s`` become named
    ``%(fN)s`` as the page's other parameters; ``%%`` (a literal percent
    sign, escaped by Django) stays as it is for the driver."""
    shape = tuple(name for name, value in given.items() if value)
    config = search_config(current_city().default_language) if "query" in shape else None
    key = (shape, connection.alias, tuple(sorted(get_scope().items())), config)
    found = _memo.get(key)
    if found is None:
        found = _compile(shape)
        if len(_memo) >= MAX_COMPILED:
            _memo.clear()
        _memo[key] = found
    sql, binds = found
    return sql, {name: given[slot] if slot else value for name, slot, value in binds}


def _compile(shape: tuple[str, ...]) -> tuple[str, tuple[tuple[str, str | None, Any], ...]]:
    """``_matching``'s SQL for ``shape``, and each parameter's name with the
    filter it stands for (None: a constant of the shape, kept)."""
    stand_ins = {name: _STAND_INS.get(name, True) for name in shape}
    matching = selectors.filtered_initiatives(**stand_ins).order_by().values(*_MATCHING_COLUMNS)
    sql, params = matching.query.get_compiler(using=connection.alias).as_sql()
    slots = [
        next((n for n, v in stand_ins.items() if n in _STAND_INS and v == p), None) for p in params
    ]
    missing = {name for name in stand_ins if name in _STAND_INS} - set(slots)
    if missing:
        # A filter whose value the ORM changes before binding it: it could
        # not be put in its place. Fail loudly rather than bind a stand-in.
        raise RuntimeError(f"filters {sorted(missing)}: their values are not among {params}")
    names = iter(f"f{n}" for n in range(len(params)))
    named = _PLACEHOLDER.sub(lambda m: "%%" if m.group() == "%%" else f"%({next(names)})s", sql)
    binds = tuple(
        (f"f{n}", slot, None if slot else param)
        for n, (slot, param) in enumerate(zip(slots, params, strict=True))
    )
    return named, binds


#: A positional parameter or an escaped percent sign in compiled SQL.
_PLACEHOLDER = re.compile(r"%%|%s")


def _cards(
    rows: list[tuple[Any, ...]], setup: ListSetup, *, scored: bool = True
) -> list[Initiative]:
    """Initiatives from the page's rows, their tags taken from ``setup``;
    ``scored``: each row's column after the card's is its match score."""
    positions = {c.pk: (n, c) for n, c in enumerate(setup.categories)}
    districts = {d.pk: d for d in setup.districts}
    district_field = Initiative._meta.get_field("district")
    empty = Category.objects.all()
    width = len(_COLUMNS)
    out = []
    for row in rows:
        initiative = Initiative.from_db(connection.alias, _COLUMNS, row[:width])
        if scored:
            initiative.match_score = row[width]  # type: ignore[attr-defined]
        category_ids = row[width + scored] or []
        if all(pk in positions for pk in category_ids):
            # As the ORM's prefetch leaves it: a queryset holding its rows.
            # (Not ``copy.copy``: pickling support evaluates a queryset.)
            tags = type(empty)(model=Category, query=empty.query, using=empty.db)
            tags._result_cache = [c for _n, c in sorted(positions[pk] for pk in category_ids)]
            tags._prefetch_done = True
            initiative._prefetched_objects_cache = {"categories": tags}  # type: ignore[attr-defined]
        if initiative.district_id is None:
            district_field.set_cached_value(initiative, None)
        elif initiative.district_id in districts:
            district_field.set_cached_value(initiative, districts[initiative.district_id])
        out.append(initiative)
    return out
