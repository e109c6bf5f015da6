# ruff: noqa: S608 - the SQL is built from module constants; values are bound parameters.
"""Sponsors benchmark: matchmaking and the sponsor pages at scale.

``run(stdout)`` seeds (once) a city "bench-sponsors" with 2,000 sponsors,
20,000 initiatives and 60,000 needs in set-based SQL inside
``city_context``; then, each run, times the full match recompute (with a
progress bar), an incremental recompute after one initiative changes, and
counts the queries of the sponsor dashboard and the filtered initiative list
(through the whole middleware stack).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy.context import city_context
from civicideas.tenancy.models import City, Domain, Membership
from civicideas.tenancy.roles import Role
from sponsors import matching
from sponsors.models import Initiative, Need, Sponsor, SponsorMembership
from sponsors.services import _initiative_refresh

SLUG = "bench-sponsors"
EMAIL = "sponsor-bench@bench-sponsors.invalid"
SPONSORS = 2_000
INITIATIVES = 20_000
NEEDS_PER_INITIATIVE = 3
CATEGORIES = 12
DISTRICTS = 8
WORDS = [
    "garden",
    "bicycle",
    "music",
    "library",
    "trees",
    "river",
    "youth",
    "elderly",
    "repair",
    "compost",
    "theatre",
    "sport",
    "school",
    "market",
    "mural",
    "cinema",
    "clean",
    "solar",
    "food",
    "playground",
]


def _city() -> City:
    city, _created = City.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench Sponsors", "country": "BE"}
    )
    with city_context(city):
        Domain.objects.get_or_create(
            hostname=f"{SLUG}.localhost", defaults={"city": city, "is_primary": True}
        )
    return city


def _seed(city: City, stdout: Any) -> Any:
    user, _created = get_user_model().objects.get_or_create(email=EMAIL)
    with city_context(city):
        Membership.objects.get_or_create(
            user=user, defaults={"city": city, "roles": [Role.CITIZEN.value]}
        )
        if Initiative.objects.count() >= INITIATIVES:
            return user
        start = time.perf_counter()
        params = {
            "city": city.pk,
            "user": user.pk,
            "words": WORDS,
            "types": ["funding", "space", "expertise", "materials", "volunteers", "other"],
            "units": ["eur", "m2", "hours", "items", "people", "items"],
        }
        with connection.cursor() as c:
            c.execute(
                """INSERT INTO ideas_category (city_id, name, slug)
                   SELECT %(city)s, 'Category ' || g, 'category-' || g
                   FROM generate_series(1, """
                + str(CATEGORIES)
                + """) g ON CONFLICT DO NOTHING""",
                params,
            )
            c.execute(
                """INSERT INTO ideas_district (city_id, name, slug)
                   SELECT %(city)s, 'District ' || g, 'district-' || g
                   FROM generate_series(1, """
                + str(DISTRICTS)
                + """) g ON CONFLICT DO NOTHING""",
                params,
            )
            c.execute(
                """INSERT INTO sponsors_communitygroup
                     (city_id, name, description, contact_email, created_by_id, created_at,
                      approved_at, approved_by_id)
                   SELECT %(city)s, 'Group ' || g, '', 'group' || g || '@example.org',
                          %(user)s, now(), now(), %(user)s
                   FROM generate_series(1, 200) g""",
                params,
            )
            c.execute(
                f"""INSERT INTO sponsors_sponsor
                     (city_id, name, kind, description, logo, website, contact_email, city_wide,
                      resource_types, budget_min, budget_max, created_by_id, created_at,
                      updated_at, verified_at, search_vector)
                   SELECT %(city)s, 'Sponsor ' || g, 'business',
                          'We support ' || (%(words)s::text[])[1 + g %% 20] || ' and '
                              || (%(words)s::text[])[1 + (g * 7) %% 20] || ' projects',
                          '', 'https://sponsor' || g || '.example', 's' || g || '@example.org',
                          g %% 10 = 0,
                          ARRAY[(%(types)s::text[])[1 + g %% 6],
                                (%(types)s::text[])[1 + (g / 6) %% 6]],
                          NULL, (1000 * (1 + g %% 50))::numeric, %(user)s, now(), now(), now(),
                          to_tsvector('english', 'We support ' || (%(words)s::text[])[1 + g %% 20]
                              || ' and ' || (%(words)s::text[])[1 + (g * 7) %% 20] || ' projects')
                   FROM generate_series(1, {SPONSORS}) g""",
                params,
            )
            c.execute(
                """INSERT INTO sponsors_sponsor_categories (sponsor_id, category_id)
                   SELECT s.id, cat.id FROM sponsors_sponsor s
                   JOIN LATERAL (SELECT id FROM ideas_category WHERE city_id = %(city)s
                                 ORDER BY (id * 31 + s.id) %% 97 LIMIT 2) cat ON true
                   WHERE s.city_id = %(city)s""",
                params,
            )
            c.execute(
                """INSERT INTO sponsors_sponsor_districts (sponsor_id, district_id)
                   SELECT s.id, d.id FROM sponsors_sponsor s
                   JOIN LATERAL (SELECT id FROM ideas_district WHERE city_id = %(city)s
                                 ORDER BY (id * 17 + s.id) %% 53 LIMIT 1) d ON true
                   WHERE s.city_id = %(city)s""",
                params,
            )
            c.execute(
                f"""INSERT INTO sponsors_initiative
                     (city_id, group_id, title, summary, description, district_id, image,
                      image_alt, status, created_by_id, created_at, updated_at, published_at,
                      open_need_count, open_need_types, funding_remaining, progress_percent,
                      search_vector)
                   SELECT %(city)s, grp.id,
                          initcap((%(words)s::text[])[1 + g %% 20]) || ' project ' || g,
                          'A ' || (%(words)s::text[])[1 + (g * 3) %% 20] || ' initiative', '',
                          (SELECT id FROM ideas_district WHERE city_id = %(city)s
                           ORDER BY id OFFSET g %% {DISTRICTS} LIMIT 1),
                          '', '', CASE WHEN g %% 10 = 0 THEN 'draft' ELSE 'seeking' END,
                          %(user)s, now(), now(), now() - (g || ' minutes')::interval,
                          0, '{{}}', 0, 0,
                          setweight(to_tsvector('english', (%(words)s::text[])[1 + g %% 20]
                              || ' project'), 'A')
                          || setweight(to_tsvector('english', 'A '
                              || (%(words)s::text[])[1 + (g * 3) %% 20] || ' initiative'), 'B')
                   FROM generate_series(1, {INITIATIVES}) g
                   JOIN LATERAL (SELECT id FROM sponsors_communitygroup
                                 WHERE city_id = %(city)s ORDER BY id
                                 OFFSET g %% 200 LIMIT 1) grp ON true""",
                params,
            )
            c.execute(
                """INSERT INTO sponsors_initiative_categories (initiative_id, category_id)
                   SELECT i.id, cat.id FROM sponsors_initiative i
                   JOIN LATERAL (SELECT id FROM ideas_category WHERE city_id = %(city)s
                                 ORDER BY (id * 13 + i.id) %% 89 LIMIT 1 + i.id %% 2) cat ON true
                   WHERE i.city_id = %(city)s""",
                params,
            )
            c.execute(
                f"""INSERT INTO sponsors_need
                     (city_id, initiative_id, kind, quantity, unit, fulfilled, description,
                      deadline, created_at)
                   SELECT %(city)s, i.id, (%(types)s::text[])[1 + (i.id + n) %% 6],
                          (100 * (1 + (i.id * n) %% 40))::numeric,
                          (%(units)s::text[])[1 + (i.id + n) %% 6],
                          CASE WHEN n = 1 THEN (10 * ((i.id * n) %% 10))::numeric ELSE 0 END,
                          '', current_date + ((i.id * n) %% 120)::int, now()
                   FROM sponsors_initiative i, generate_series(1, {NEEDS_PER_INITIATIVE}) n
                   WHERE i.city_id = %(city)s""",
                params,
            )
            # The denormalised figures, for every initiative at once.
            c.execute(
                """UPDATE sponsors_initiative i SET
                     open_need_count = x.open, open_need_types = x.types,
                     next_deadline = x.deadline, funding_remaining = x.funding,
                     status = CASE WHEN i.status = 'draft' THEN 'draft'
                                   WHEN x.progressed > 0 THEN 'partly' ELSE 'seeking' END
                   FROM (SELECT initiative_id,
                                count(*) FILTER (WHERE fulfilled < quantity) AS open,
                                array_agg(DISTINCT kind) AS types,
                                min(deadline) AS deadline,
                                coalesce(sum(quantity - fulfilled)
                                         FILTER (WHERE kind = 'funding'), 0) AS funding,
                                count(*) FILTER (WHERE fulfilled > 0) AS progressed
                         FROM sponsors_need WHERE city_id = %(city)s GROUP BY initiative_id) x
                   WHERE i.id = x.initiative_id""",
                params,
            )
            for table in (
                "sponsor",
                "initiative",
                "need",
                "initiative_categories",
                "sponsor_categories",
                "sponsor_districts",
            ):
                c.execute(f"ANALYZE sponsors_{table}")
        first = Sponsor.objects.order_by("pk").first()
        SponsorMembership.objects.get_or_create(
            sponsor=first, user=user, defaults={"city": city, "role": "admin"}
        )
        stdout.write(
            f"seeded {SPONSORS:,} sponsors, {INITIATIVES:,} initiatives, "
            f"{INITIATIVES * NEEDS_PER_INITIATIVE:,} needs in {time.perf_counter() - start:.1f} s\n"
        )
    return user


def _progress(stdout: Any):
    def report(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} sponsors")
        if done == total:
            stdout.write("\n")
        getattr(stdout, "flush", lambda: None)()

    return report


def _page_queries(client: Client, url: str) -> tuple[int, float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
    data = [
        q
        for q in queries.captured_queries
        if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
        and "civicideas." not in q["sql"]
    ]
    return response.status_code, elapsed, len(data)


def run(stdout: Any = sys.stdout) -> list[tuple[str, str, str]]:
    """Seed, measure and print a table; returns the rows for callers."""
    city = _city()
    user = _seed(city, stdout)
    rows: list[tuple[str, str, str]] = []

    start = time.perf_counter()
    written = matching.recompute_all(city, progress=_progress(stdout))
    rows.append(
        ("full match recompute", f"{time.perf_counter() - start:.1f} s", f"{written:,} matches")
    )

    with city_context(city):
        initiative = (
            Initiative.objects.filter(status__in=["seeking", "partly"]).order_by("pk").first()
        )
        start = time.perf_counter()
        Need.objects.filter(initiative=initiative).update(fulfilled=0)
        _initiative_refresh(Initiative.objects.select_for_update().get(pk=initiative.pk))
        changed = matching.recompute_initiative(initiative.pk)
        rows.append(
            (
                "incremental recompute (1 initiative)",
                f"{time.perf_counter() - start:.3f} s",
                f"{changed:,} sponsors re-scored",
            )
        )
        sponsor = Sponsor.objects.filter(memberships__user=user).first()

    client = Client(HTTP_HOST=f"{SLUG}.localhost")
    client.force_login(user)
    from django.urls import reverse

    pages = [
        ("sponsor dashboard", reverse("sponsors:dashboard", args=[sponsor.pk])),
        ("initiative list, newest", reverse("sponsors:initiatives")),
        (
            "initiative list, filtered + best match",
            reverse("sponsors:initiatives") + "?need_type=funding&open_only=on&sort=match",
        ),
        (
            "initiative list, search + closing soon",
            reverse("sponsors:initiatives") + "?q=garden&sort=closing",
        ),
    ]
    for label, url in pages:
        client.get(url)  # warm up
        status, elapsed, queries = _page_queries(client, url)
        rows.append((label, f"{elapsed * 1000:.0f} ms", f"{queries} queries (HTTP {status})"))

    width = max(len(r[0]) for r in rows)
    stdout.write("\nSponsors benchmark\n")
    for label, value, note in rows:
        stdout.write(f"  {label:<{width}}  {value:>10}  {note}\n")
    return rows
