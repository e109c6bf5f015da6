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
reads as many rows as the old plan did.)

Tenancy: every table is filtered on the current city as well as by its
row-level security policy. The cards' category and district objects come
from ``list_setup``'s (the same city's); a card whose tag is missing there
(never, by the schema's same-city keys) reads its own as the ORM would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection

from civicideas.accounts.rules import signed_in
from civicideas.content.search_config import search_config
from civicideas.tenancy.context import current_city
from ideas.models import Category, District
from sponsors import rules
from sponsors.models import OPEN_STATUSES, PUBLIC_STATUSES, Initiative
from sponsors.selectors import QUERY_MAX

if TYPE_CHECKING:
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


# The filters of ``selectors.initiative_list``, on ``i`` (an initiative row).
_FILTERS = {
    "category": """EXISTS (SELECT 1 FROM sponsors_initiative_categories ic
                    WHERE ic.city_id = %(city)s AND ic.initiative_id = i.id
                      AND ic.category_id = %(category)s)""",
    "district": "i.district_id = %(district)s",
    "need_type": "i.open_need_types @> ARRAY[%(need_type)s]::varchar(12)[]",
    "open_only": "i.open_need_count > 0",
    "query": "i.search_vector @@ websearch_to_tsquery(%(config)s::regconfig, %(query)s)",
}

_PUBLIC = """i.city_id = %(city)s
    AND EXISTS (SELECT 1 FROM sponsors_communitygroup g
                WHERE g.id = i.group_id AND g.city_id = %(city)s AND g.approved_at IS NOT NULL)"""

_PAGE_SQL = """
WITH page AS (
  SELECT u.id, u.score FROM (
    (SELECT i.id, m.score, i.published_at
       FROM sponsors_sponsormatch m JOIN sponsors_initiative i ON i.id = m.initiative_id
      WHERE m.city_id = %(city)s AND m.sponsor_id = %(sponsor)s
        AND i.status = ANY(%(statuses)s) AND __WHERE__
      ORDER BY m.score DESC, i.published_at DESC, i.id DESC
      LIMIT %(upto)s)
    UNION ALL
    (SELECT b.id, %(no_match)s, b.published_at
       FROM unnest(%(statuses)s::text[]) AS st(status)
      CROSS JOIN LATERAL (
        SELECT i.id, i.published_at FROM sponsors_initiative i
         WHERE i.status = st.status AND __WHERE__
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
    statuses = [str(s) for s in (OPEN_STATUSES if open_only else PUBLIC_STATUSES)]
    query = (query or "")[:QUERY_MAX].strip()
    given = {
        "category": category,
        "district": district,
        "need_type": need_type,
        "open_only": open_only or None,
        "query": query or None,
    }
    where = " AND ".join([_PUBLIC, *(_FILTERS[k] for k, v in given.items() if v)])
    sql = _PAGE_SQL.replace("__WHERE__", where).replace(
        "__COLUMNS__", ", ".join(f"i.{c}" for c in _COLUMNS)
    )
    params: dict[str, Any] = {
        "city": city.pk,
        "sponsor": sponsor_id,
        "statuses": statuses,
        "no_match": NO_MATCH,
        "upto": offset + limit,
        "limit": limit,
        "offset": offset,
        "category": category,
        "district": district,
        "need_type": need_type,
        "query": query,
        "config": search_config(city.default_language) if query else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _cards(rows, setup)


def _cards(rows: list[tuple[Any, ...]], setup: ListSetup) -> list[Initiative]:
    """Initiatives from the page's rows, their tags taken from ``setup``."""
    positions = {c.pk: (n, c) for n, c in enumerate(setup.categories)}
    districts = {d.pk: d for d in setup.districts}
    district_field = Initiative._meta.get_field("district")
    empty = Category.objects.all()
    width = len(_COLUMNS)
    out = []
    for row in rows:
        initiative = Initiative.from_db(connection.alias, _COLUMNS, row[:width])
        initiative.match_score = row[width]  # type: ignore[attr-defined]
        category_ids = row[width + 1] or []
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
