# ruff: noqa: S608 - SQL built from module constants and fixed filters; values are bound.
"""Matchmaking: how well an initiative fits a sponsor, explained.

One scoring function, evaluated in PostgreSQL for many pairs at once (see
``docs/matchmaking.md`` for the reasoning and a worked example). For a
sponsor *s* and an initiative *i* seeking support, six components, each
between 0 and 1:

``category``  share of *i*'s categories that *s* cares about (0.5 when *s*
              named none: it cares about every topic);
``district``  1 when *i*'s district is one of *s*'s, 0.75 when *s* works
              city-wide, 0.5 when *i* has no district, else 0;
``resource``  share of *i*'s open need types that *s* offers. A pair with
              no resource in common is never a match (it is not stored);
``budget``    when *i* needs funding and *s* offers it: 1 if *s*'s yearly
              budget covers what is still needed, else the share it covers
              (0.5 with no budget given); 0 otherwise;
``text``      PostgreSQL full-text relevance of *i*'s title, summary and
              description to *s*'s description and name: ``r / (r + 0.1)``
              with ``r = ts_rank(...)``, found through the GIN index;
``urgency``   1 when *i*'s next open need deadline is within 14 days,
              falling linearly to 0 at 90 days; 0 without deadlines.

``score = 100 x Σ weight x component`` with weights summing to 1, from
``settings.SPONSOR_MATCH_WEIGHTS`` (``{"default": {...}, "<city slug>":
{...}}``) over ``DEFAULT_WEIGHTS``.

Only each sponsor's ``TOP_K`` best initiatives are stored
(``SponsorMatch``). Full recomputes run per batch of sponsors, one SQL
statement each; a change to one initiative or sponsor recomputes only its
pairs (``recompute_initiative`` / ``recompute_sponsor``, queued by the
services through ``sponsors.tasks``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicideas.ops.metrics import MATCH_RECOMPUTE_DURATION
from civicideas.tenancy.context import city_context, current_city
from sponsors.models import ResourceType, Sponsor

DEFAULT_WEIGHTS: dict[str, float] = {
    "category": 0.25,
    "district": 0.15,
    "resource": 0.25,
    "budget": 0.10,
    "text": 0.15,
    "urgency": 0.10,
}
COMPONENTS = tuple(DEFAULT_WEIGHTS)
TOP_K = 50
BATCH_SIZE = 250
#: Batches recomputed at once, each on its own database connection.
WORKERS = 2
URGENT_DAYS = 14
HORIZON_DAYS = 90
#: Sponsor words used in its text query: enough to describe it, bounded cost.
QUERY_LEXEMES = 64
RESOURCE_ORDER = [t.value for t in ResourceType]


def weights_for(city: Any) -> dict[str, float]:
    """The city's weights, normalised to sum to 1 (unknown keys ignored,
    negative values treated as 0)."""
    conf = getattr(settings, "SPONSOR_MATCH_WEIGHTS", {}) or {}
    merged = {**DEFAULT_WEIGHTS, **conf.get("default", {}), **conf.get(city.slug, {})}
    weights = {k: max(0.0, float(merged[k])) for k in COMPONENTS}
    total = sum(weights.values()) or 1.0
    return {k: v / total for k, v in weights.items()}


# --- the SQL --------------------------------------------------------------------------------------

# Categories become bits of a bit string as long as the city has categories,
# resource types bits of an int: overlaps are then one AND and a bit_count
# per pair instead of array set operations.
_FEATURES = """
cat_bits AS MATERIALIZED (
    SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS bit,
           count(*) OVER () AS n
    FROM ideas_category WHERE city_id = %(city)s
),
ncat AS (SELECT greatest(coalesce(max(n), 0), 1)::int AS n FROM cat_bits),
s AS MATERIALIZED (
    SELECT sp.id, sp.city_wide, sp.budget_max,
           (SELECT coalesce(sum(1 << (array_position(%(rorder)s::text[], t) - 1)), 0)::int
              FROM unnest(sp.resource_types) t) AS rmask,
           coalesce((SELECT bit_or(set_bit(repeat('0', ncat.n)::varbit, cb.bit, 1))
                       FROM sponsors_sponsor_categories sc
                       JOIN cat_bits cb ON cb.id = sc.category_id
                      WHERE sc.sponsor_id = sp.id), repeat('0', ncat.n)::varbit) AS cmask,
           coalesce(ARRAY(SELECT district_id FROM sponsors_sponsor_districts sd
                           WHERE sd.sponsor_id = sp.id), '{}') AS dists,
           CASE WHEN sp.search_vector IS NULL OR length(sp.search_vector) = 0 THEN NULL
                ELSE nullif(replace(plainto_tsquery('simple', array_to_string(
                    (tsvector_to_array(sp.search_vector))[1:%(lexemes)s], ' '))::text,
                    ' & ', ' | '), '')::tsquery END AS q
    FROM sponsors_sponsor sp, ncat
    WHERE sp.city_id = %(city)s AND __SPONSOR_FILTER__
),
i AS MATERIALIZED (
    SELECT ini.id, ini.district_id, ini.funding_remaining, ini.next_deadline,
           ini.search_vector AS sv,
           (SELECT coalesce(sum(1 << (array_position(%(rorder)s::text[], t) - 1)), 0)::int
              FROM unnest(ini.open_need_types) t) AS rmask,
           coalesce((SELECT bit_or(set_bit(repeat('0', ncat.n)::varbit, cb.bit, 1))
                       FROM sponsors_initiative_categories ic
                       JOIN cat_bits cb ON cb.id = ic.category_id
                      WHERE ic.initiative_id = ini.id), repeat('0', ncat.n)::varbit) AS cmask
    FROM sponsors_initiative ini, ncat
    WHERE ini.city_id = %(city)s AND ini.status IN ('seeking', 'partly')
      AND ini.open_need_count > 0 AND __INITIATIVE_FILTER__
),
ranked AS (
    SELECT p.*, 1 AS rn
    FROM s CROSS JOIN LATERAL (
        SELECT sc.* FROM (
            SELECT pr.*, pr.r_text / (pr.r_text + 0.1) AS c_text,
                round((100 * (%(w_category)s * c_category
                + %(w_district)s * c_district + %(w_resource)s * c_resource
                + %(w_budget)s * c_budget + %(w_text)s * (pr.r_text / (pr.r_text + 0.1))
                + %(w_urgency)s * c_urgency))::numeric, 1)::float AS score
            FROM (
                SELECT s.id AS sid, i.id AS iid,
                    CASE WHEN bit_count(s.cmask) = 0 THEN 0.5
                         WHEN bit_count(i.cmask) = 0 THEN 0.0
                         ELSE bit_count(s.cmask & i.cmask)::float / bit_count(i.cmask)
                    END AS c_category,
                    CASE WHEN i.district_id = ANY(s.dists) THEN 1.0
                         WHEN s.city_wide THEN 0.75
                         WHEN i.district_id IS NULL THEN 0.5
                         ELSE 0.0 END AS c_district,
                    bit_count((s.rmask & i.rmask)::bit(8))::float
                        / greatest(bit_count(i.rmask::bit(8)), 1) AS c_resource,
                    CASE WHEN (s.rmask & i.rmask & 1) = 0 OR i.funding_remaining <= 0 THEN 0.0
                         WHEN s.budget_max IS NULL THEN 0.5
                         ELSE least(1.0, s.budget_max / i.funding_remaining)::float
                    END AS c_budget,
                    CASE WHEN s.q IS NOT NULL AND i.sv @@ s.q
                         THEN ts_rank(i.sv, s.q) ELSE 0.0 END::float AS r_text,
                    CASE WHEN i.next_deadline IS NULL THEN 0.0
                         ELSE greatest(0.0, least(1.0, 1.0
                              - (i.next_deadline - %(today)s::date - %(urgent)s)::float
                              / (%(horizon)s - %(urgent)s))) END AS c_urgency
                FROM i WHERE (s.rmask & i.rmask) <> 0
            ) pr
        ) sc
        -- Top-N per sponsor: a bounded heap sort, not a sort of every pair.
        ORDER BY sc.score DESC, sc.iid DESC
        LIMIT %(top_k)s
    ) p
)
"""

# The explanation is built for kept rows only: names of shared categories,
# matched resource types, the figures a sponsor wants to see.
_EXPLAIN = """
jsonb_build_object(
    'components', jsonb_build_object(
        'category', round(r.c_category::numeric, 2), 'district', round(r.c_district::numeric, 2),
        'resource', round(r.c_resource::numeric, 2), 'budget', round(r.c_budget::numeric, 2),
        'text', round(r.c_text::numeric, 2), 'urgency', round(r.c_urgency::numeric, 2)),
    'categories', ARRAY(
        SELECT c.name FROM ideas_category c
        JOIN sponsors_sponsor_categories sc ON sc.category_id = c.id AND sc.sponsor_id = r.sid
        JOIN sponsors_initiative_categories ic ON ic.category_id = c.id AND ic.initiative_id = r.iid
        ORDER BY c.name),
    'district', CASE WHEN r.c_district = 1.0 THEN 'yours'
                     WHEN r.c_district = 0.75 THEN 'city_wide' ELSE '' END,
    'resources', ARRAY(
        SELECT u FROM unnest(%(rorder)s::text[]) WITH ORDINALITY AS o(u, n)
        WHERE (s2.rmask & i2.rmask & (1 << (o.n::int - 1))) <> 0 ORDER BY o.n),
    'funding_remaining', i2.funding_remaining::text,
    'deadline', i2.next_deadline::text
)
"""


def _params(city: Any, **extra: Any) -> dict[str, Any]:
    from django.utils import timezone

    params = {
        "city": city.pk,
        "rorder": RESOURCE_ORDER,
        "lexemes": QUERY_LEXEMES,
        "today": timezone.localdate(),
        "urgent": URGENT_DAYS,
        "horizon": HORIZON_DAYS,
        **{f"w_{k}": v for k, v in weights_for(city).items()},
    }
    params.update(extra)
    return params


def _features(*, sponsor_filter: str = "true", initiative_filter: str = "true") -> str:
    # Plain replacement, not str.format: the SQL has braces of its own.
    return _FEATURES.replace("__SPONSOR_FILTER__", sponsor_filter).replace(
        "__INITIATIVE_FILTER__", initiative_filter
    )


def _insert_sql(*, sponsor_filter: str, initiative_filter: str, keep: str) -> str:
    return (
        "WITH "
        + _features(sponsor_filter=sponsor_filter, initiative_filter=initiative_filter)
        + f"""
INSERT INTO sponsors_sponsormatch
    (city_id, sponsor_id, initiative_id, score, explanation, computed_at)
SELECT %(city)s, r.sid, r.iid, r.score, {_EXPLAIN}, now()
FROM ranked r
JOIN s s2 ON s2.id = r.sid
JOIN i i2 ON i2.id = r.iid
WHERE {keep}
ON CONFLICT (sponsor_id, initiative_id) DO UPDATE
   SET score = EXCLUDED.score, explanation = EXCLUDED.explanation,
       computed_at = EXCLUDED.computed_at
"""
    )


def _no_jit(cursor: Any) -> None:
    """JIT compilation costs more than a second per statement here (the
    planner's estimates for the pair scan are large) and saves nothing:
    the work is a few million cheap expressions. For this transaction only."""
    cursor.execute("SET LOCAL jit = off")


def _trim(cursor: Any, sponsor_ids: list[int]) -> None:
    """Keep each sponsor's ``TOP_K`` best rows."""
    cursor.execute(
        """
        DELETE FROM sponsors_sponsormatch m USING (
            SELECT id, row_number() OVER (
                PARTITION BY sponsor_id ORDER BY score DESC, initiative_id DESC) AS rn
            FROM sponsors_sponsormatch WHERE sponsor_id = ANY(%s)
        ) x WHERE m.id = x.id AND x.rn > %s
        """,
        [sponsor_ids, TOP_K],
    )


# --- recomputing ----------------------------------------------------------------------------------


def recompute_sponsors(sponsor_ids: list[int]) -> int:
    """Replace the stored matches of these sponsors (one statement).
    Precondition: inside the sponsors' ``city_context``."""
    city = current_city()
    with MATCH_RECOMPUTE_DURATION.labels(scope="sponsors").time(), connection.cursor() as cursor:
        _no_jit(cursor)
        cursor.execute(
            "DELETE FROM sponsors_sponsormatch WHERE sponsor_id = ANY(%s)", [sponsor_ids]
        )
        cursor.execute(
            _insert_sql(
                sponsor_filter="sp.id = ANY(%(sponsors)s)",
                initiative_filter="true",
                keep="true",
            ),
            _params(city, sponsors=sponsor_ids, top_k=TOP_K),
        )
        return cursor.rowcount


def recompute_sponsor(sponsor_id: int) -> int:
    return recompute_sponsors([sponsor_id])


def recompute_initiative(initiative_id: int) -> int:
    """Re-score one initiative against every sponsor and merge it into each
    sponsor's top ``TOP_K``. An initiative that no longer seeks support
    simply loses its rows. (A sponsor that loses a row keeps ``TOP_K - 1``
    until its own or the nightly full recompute.)"""
    city = current_city()
    with MATCH_RECOMPUTE_DURATION.labels(scope="initiative").time(), connection.cursor() as cursor:
        _no_jit(cursor)
        cursor.execute(
            "DELETE FROM sponsors_sponsormatch WHERE initiative_id = %s", [initiative_id]
        )
        # Keep the new pair where the sponsor's list has room or it beats the
        # list's lowest score.
        cursor.execute(
            _insert_sql(
                sponsor_filter="true",
                initiative_filter="ini.id = %(initiative)s",
                keep="""NOT EXISTS (
                    SELECT 1 FROM (SELECT count(*) AS n, min(score) AS low
                                   FROM sponsors_sponsormatch WHERE sponsor_id = r.sid) k
                    WHERE k.n >= %(top_k)s AND k.low >= r.score)""",
            ),
            _params(city, initiative=initiative_id, top_k=TOP_K),
        )
        written = cursor.rowcount
        if written:
            cursor.execute(
                "SELECT sponsor_id FROM sponsors_sponsormatch WHERE initiative_id = %s",
                [initiative_id],
            )
            _trim(cursor, [row[0] for row in cursor.fetchall()])
        return written


def _prune_closed() -> None:
    """Initiatives no longer seeking support lose their rows.
    Precondition: inside the city's ``city_context``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """DELETE FROM sponsors_sponsormatch m USING sponsors_initiative i
               WHERE m.initiative_id = i.id
                 AND (i.status NOT IN ('seeking', 'partly') OR i.open_need_count = 0)"""
        )


def prune_and_batch(*, batch_size: int = BATCH_SIZE) -> list[list[int]]:
    """The first step of a full recompute: prune, then the city's sponsor
    ids in batches. Precondition: inside the city's ``city_context``."""
    _prune_closed()
    ids = list(Sponsor.objects.order_by("pk").values_list("pk", flat=True))
    return [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]


def recompute_all(
    city: Any, *, progress: Callable[[int, int], None] | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Recompute every sponsor's matches in ``city``, one transaction per
    batch of sponsors (short locks; readers see old rows until a batch
    commits). ``progress(done, total)`` is called after each batch."""
    with city_context(city):
        batches = prune_and_batch(batch_size=batch_size)
    ids = [pk for batch in batches for pk in batch]
    lock = threading.Lock()
    done = {"sponsors": 0, "written": 0}

    def run(batch: list[int]) -> None:
        # Each batch on its own connection and transaction; batches touch
        # disjoint sponsors' rows, so they never wait for each other.
        try:
            with city_context(city):
                count = recompute_sponsors(batch)
        finally:
            if workers > 1:
                connection.close()
        with lock:
            done["sponsors"] += len(batch)
            done["written"] += count
            if progress is not None:
                progress(done["sponsors"], len(ids))

    workers = max(1, min(WORKERS, len(batches)))
    if workers == 1 or connection.in_atomic_block:
        # Inside an outer transaction (tests, a caller's atomic block) other
        # connections would not see its rows: stay on this connection.
        workers = 1
        for batch in batches:
            run(batch)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, batches))
    return done["written"]


# --- candidates for the facilitator ---------------------------------------------------------------


@dataclass
class Candidate:
    sponsor: Sponsor
    score: float
    explanation: dict[str, Any]
    reasons: list[str]


def candidates_for(
    initiative: Any, *, limit: int = 20, verified_only: bool = False
) -> list[Candidate]:
    """Sponsors ranked for one initiative, computed live (one statement over
    all sponsors; an initiative has at most a few thousand candidates)."""
    city = current_city()
    sponsor_filter = "sp.verified_at IS NOT NULL" if verified_only else "true"
    sql = (
        "WITH "
        + _features(sponsor_filter=sponsor_filter, initiative_filter="ini.id = %(initiative)s")
        + f"""
SELECT r.sid, r.score, {_EXPLAIN}
FROM ranked r JOIN s s2 ON s2.id = r.sid JOIN i i2 ON i2.id = r.iid
ORDER BY r.score DESC, r.sid LIMIT %(limit)s
"""
    )
    with connection.cursor() as cursor:
        _no_jit(cursor)
        cursor.execute(sql, _params(city, initiative=initiative.pk, limit=limit, top_k=1))
        rows = cursor.fetchall()
    sponsors = Sponsor.objects.in_bulk([row[0] for row in rows])
    out = []
    for sid, score, explanation in rows:
        # Django's psycopg setup hands jsonb over as text (for JSONField).
        data = json.loads(explanation) if isinstance(explanation, str) else explanation or {}
        out.append(Candidate(sponsors[sid], score, data, explain(data)))
    return out


# --- words ----------------------------------------------------------------------------------------


def explain(explanation: dict[str, Any]) -> list[str]:
    """The stored explanation in the reader's language, strongest reasons first."""
    from django.utils.formats import number_format

    reasons: list[str] = []
    categories = explanation.get("categories") or []
    if categories:
        reasons.append(_("shares categories: %(names)s") % {"names": ", ".join(categories)})
    district = explanation.get("district")
    if district == "yours":
        reasons.append(_("in your district"))
    elif district == "city_wide":
        reasons.append(_("you work city-wide"))
    labels = dict(ResourceType.choices)
    resources = [str(labels.get(r, r)).lower() for r in explanation.get("resources") or []]
    if resources:
        reasons.append(_("needs %(types)s you offer") % {"types": ", ".join(resources)})
    funding = explanation.get("funding_remaining")
    try:
        funding_value = float(funding) if funding is not None else 0.0
    except ValueError:
        funding_value = 0.0
    if funding_value > 0:
        reasons.append(
            _("%(amount)s EUR still needed")
            % {"amount": number_format(round(funding_value), 0, force_grouping=True)}
        )
    components = explanation.get("components") or {}
    if float(components.get("text") or 0) >= 0.3:
        reasons.append(_("its description matches your profile"))
    deadline = explanation.get("deadline")
    if deadline and float(components.get("urgency") or 0) > 0:
        from datetime import date

        from django.utils import timezone

        try:
            days = (date.fromisoformat(deadline) - timezone.localdate()).days
        except ValueError:
            days = None
        if days is not None and days >= 0:
            reasons.append(
                ngettext("next deadline in %(n)d day", "next deadline in %(n)d days", days)
                % {"n": days}
            )
    return reasons


def stored_for_sponsor(sponsor: Sponsor, *, limit: int = 10) -> Iterable[Any]:
    """The sponsor's stored matches, best first, with their initiatives."""
    from sponsors.models import SponsorMatch

    matches = list(
        SponsorMatch.objects.filter(sponsor=sponsor)
        .select_related("initiative", "initiative__district")
        .order_by("-score", "-initiative_id")[:limit]
    )
    for match in matches:
        match.reasons = explain(match.explanation)
    return matches
