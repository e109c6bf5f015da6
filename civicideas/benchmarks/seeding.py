"""Seeding at scale with set-based SQL (INSERT ... SELECT generate_series).

Row-level security refuses COPY FROM on tenant tables, and the ORM would take
hours for ten million rows, so the data is generated inside PostgreSQL, in
each city's own context so the policies still apply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.models import City, Domain

WORDS = [
    "bike",
    "lane",
    "tree",
    "park",
    "bench",
    "bus",
    "tram",
    "school",
    "library",
    "garden",
    "river",
    "bridge",
    "square",
    "light",
    "water",
    "fountain",
    "playground",
    "market",
    "cinema",
    "music",
    "sport",
    "pool",
    "safety",
    "noise",
    "parking",
    "street",
    "walk",
    "path",
    "green",
    "roof",
    "solar",
    "energy",
    "waste",
    "recycling",
    "compost",
    "night",
    "festival",
    "youth",
    "elderly",
    "shade",
    "flowers",
    "dog",
    "forest",
    "lake",
    "clean",
    "quiet",
]

TENANT_TABLES_IN_DELETE_ORDER = [
    "notifications_notification",
    "projects_projectfollow",
    "projects_projectstatuschange",
    "projects_projectupdate",
    "projects_milestone",
    "projects_projectinitiative",
    "projects_projectidea",
    "projects_project",
    "ideas_moderationaction",
    "ideas_statuschange",
    "ideas_report",
    "ideas_comment",
    "ideas_support",
    "ideas_ideaimage",
    "ideas_idea",
    "ideas_challenge_categories",
    "ideas_challenge_districts",
    "ideas_challenge",
    "ideas_category",
    "ideas_department",
    "ideas_district",
    "accounts_profile",
    "tenancy_membership",
    "tenancy_domain",
]


@dataclass
class SeededCity:
    city: City
    challenge_id: int
    idea_count: int


def _sql(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def drop_bench_cities(prefix: str = "bench-") -> None:
    """Remove earlier benchmark cities in bulk (the ORM cascade would be slow)."""
    with all_cities_context():
        ids = list(City.objects.filter(slug__startswith=prefix).values_list("pk", flat=True))
        if not ids:
            return
        for table in TENANT_TABLES_IN_DELETE_ORDER:
            _sql(f"DELETE FROM {table} WHERE city_id = ANY(%s)", [ids])  # noqa: S608 - fixed names
        _sql("DELETE FROM account_emailaddress WHERE email LIKE %s", [f"%@{prefix}%.bench"])
        _sql("DELETE FROM accounts_user WHERE email LIKE %s", [f"%@{prefix}%.bench"])
        City.objects.filter(pk__in=ids).delete()


def seed_city(
    slug: str,
    *,
    ideas: int,
    supports_per_idea: int,
    comments_per_idea: int,
    users: int,
    progress: Callable[[str], None],
) -> SeededCity:
    """One city with one open challenge holding ``ideas`` ideas."""
    started = time.monotonic()
    city = City.objects.create(
        slug=slug, name=slug.replace("-", " ").title(), country="BE", languages=["en"]
    )
    with city_context(city):
        Domain.objects.create(city=city, hostname=f"{slug}.localhost", is_primary=True)
        _sql(
            "INSERT INTO accounts_user (email, password, is_active, is_superuser, date_joined) "
            "SELECT 'user' || g || '@' || %s || '.bench', '!', true, false, now() "
            "FROM generate_series(1, %s) g",
            [slug, users],
        )
        _sql(
            "INSERT INTO ideas_category (city_id, name, slug) "
            "SELECT %s, 'Category ' || g, 'category-' || g FROM generate_series(1, 8) g",
            [city.pk],
        )
        _sql(
            "INSERT INTO ideas_district (city_id, name, slug) "
            "SELECT %s, 'District ' || g, 'district-' || g FROM generate_series(1, 12) g",
            [city.pk],
        )
        challenge_id = _insert_challenge(city.pk)
        progress(f"{slug}: users, categories, challenge")
        _insert_ideas(city.pk, challenge_id, slug, ideas)
        progress(f"{slug}: {ideas:,} ideas")
        _insert_supports(city.pk, challenge_id, slug, supports_per_idea)
        progress(f"{slug}: supports")
        _insert_comments(city.pk, challenge_id, slug, comments_per_idea)
        progress(f"{slug}: comments")
        _refresh_counters(challenge_id)
        progress(f"{slug}: counters and search vectors ({time.monotonic() - started:.0f} s)")
    return SeededCity(city=city, challenge_id=challenge_id, idea_count=ideas)


def _insert_challenge(city_id: int) -> int:
    # One row: through the ORM, so columns added later get their defaults.
    from ideas.models import Challenge

    challenge = Challenge.objects.create(
        city_id=city_id,
        title="Benchmark challenge",
        slug="bench",
        summary="Seeded at scale",
        description="A challenge with **many** ideas.",
        phase="ideas",
        premoderation=False,
        supports_enabled=True,
        report_hide_threshold=3,
        require_verified_email=False,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ideas_challenge_categories (challenge_id, category_id) "
            "SELECT %s, id FROM ideas_category WHERE city_id = %s",
            [challenge.pk, city_id],
        )
    return challenge.pk


def _insert_ideas(city_id: int, challenge_id: int, slug: str, count: int) -> None:
    words = WORDS
    _sql(
        """
        WITH authors AS (
            SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n
            FROM accounts_user WHERE email LIKE %(pattern)s
        ), cats AS (
            SELECT array_agg(id ORDER BY id) AS ids FROM ideas_category WHERE city_id = %(city)s
        ), dists AS (
            SELECT array_agg(id ORDER BY id) AS ids FROM ideas_district WHERE city_id = %(city)s
        )
        INSERT INTO ideas_idea (
            city_id, challenge_id, author_id, title, body, category_id, district_id,
            language, status, status_before_hidden, hidden_reason, support_count,
            comment_count, report_count, shuffle_key, created_at, published_at, updated_at
        )
        SELECT %(city)s, %(challenge)s,
            authors.ids[1 + (g * 7) %% authors.n],
            initcap((%(w)s::text[])[1 + (g * 13) %% %(nw)s]) || ' '
                || (%(w)s::text[])[1 + (g * 17) %% %(nw)s]
                || ' for the ' || (%(w)s::text[])[1 + (g * 29) %% %(nw)s] || ' ' || g,
            'We propose more ' || (%(w)s::text[])[1 + (g * 31) %% %(nw)s] || ' and better '
                || (%(w)s::text[])[1 + (g * 37) %% %(nw)s] || ' near the '
                || (%(w)s::text[])[1 + (g * 41) %% %(nw)s] || '. ' || repeat('Details. ', 20),
            cats.ids[1 + g %% 8], dists.ids[1 + g %% 12], 'en',
            CASE WHEN g %% 50 = 0 THEN 'pending' WHEN g %% 97 = 0 THEN 'hidden'
                 WHEN g %% 13 = 0 THEN 'under_evaluation' ELSE 'published' END,
            '', '', 0, 0, 0, (hashint4(g) & 2147483647),
            now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval, now()
        FROM generate_series(1, %(count)s) g, authors, cats, dists
        """,
        {
            "pattern": f"%@{slug}.bench",
            "city": city_id,
            "challenge": challenge_id,
            "w": words,
            "nw": len(words),
            "count": count,
        },
    )


def _insert_supports(city_id: int, challenge_id: int, slug: str, per_idea: int) -> None:
    # Skewed: idea i gets (i mod (2k+1)) supports, k on average, from distinct users.
    _sql(
        """
        WITH u AS (
            SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n
            FROM accounts_user WHERE email LIKE %(pattern)s
        )
        INSERT INTO ideas_support (city_id, idea_id, user_id, created_at)
        SELECT %(city)s, i.id, u.ids[1 + ((i.id * 31 + j * 7919) %% u.n)], now()
        FROM ideas_idea i CROSS JOIN u
        JOIN generate_series(0, %(spread)s) j ON j < (i.id %% (%(spread)s + 1))
        WHERE i.challenge_id = %(challenge)s
        """,
        {
            "pattern": f"%@{slug}.bench",
            "city": city_id,
            "challenge": challenge_id,
            "spread": 2 * per_idea,
        },
    )


def _insert_comments(city_id: int, challenge_id: int, slug: str, per_idea: int) -> None:
    _sql(
        """
        WITH u AS (
            SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n
            FROM accounts_user WHERE email LIKE %(pattern)s
        )
        INSERT INTO ideas_comment (city_id, idea_id, author_id, body, state, hidden_reason,
                                   report_count, created_at, language)
        SELECT %(city)s, i.id, u.ids[1 + ((i.id * 17 + j * 104729) %% u.n)],
               'I think this is a good idea because of the ' || j || ' reasons.', 'visible', '',
               0, now() - (j || ' minutes')::interval, 'en'
        FROM ideas_idea i CROSS JOIN u
        JOIN generate_series(0, %(spread)s) j ON j < (i.id %% (%(spread)s + 1))
        WHERE i.challenge_id = %(challenge)s
        """,
        {
            "pattern": f"%@{slug}.bench",
            "city": city_id,
            "challenge": challenge_id,
            "spread": 2 * per_idea,
        },
    )


def _refresh_counters(challenge_id: int) -> None:
    # Fresh statistics first: after a re-seed the planner still believes
    # the tables empty and joins 100,000 ideas by nested loops (hours).
    for table in ("ideas_idea", "ideas_support", "ideas_comment"):
        _sql(f"ANALYZE {table}")
    _sql(
        """
        UPDATE ideas_idea i SET
            support_count = coalesce(s.n, 0),
            comment_count = coalesce(c.n, 0),
            search_vector = setweight(to_tsvector('english', i.title), 'A')
                         || setweight(to_tsvector('english', i.body), 'B')
        FROM ideas_idea i2
        LEFT JOIN (SELECT idea_id, count(*) n FROM ideas_support GROUP BY idea_id) s
            ON s.idea_id = i2.id
        LEFT JOIN (SELECT idea_id, count(*) n FROM ideas_comment GROUP BY idea_id) c
            ON c.idea_id = i2.id
        WHERE i.id = i2.id AND i.challenge_id = %s
        """,
        [challenge_id],
    )
    _sql("ANALYZE ideas_idea")
    _sql("ANALYZE ideas_support")
    _sql("ANALYZE ideas_comment")


def add_comments_to_one_idea(city: City, challenge_id: int, count: int = 50) -> int:
    """The idea page is measured with exactly ``count`` comments."""
    with city_context(city), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM ideas_idea WHERE challenge_id = %s AND status = 'published' "
            "ORDER BY id LIMIT 1",
            [challenge_id],
        )
        idea_id = cursor.fetchone()[0]
        cursor.execute("DELETE FROM ideas_comment WHERE idea_id = %s", [idea_id])
        cursor.execute(
            "INSERT INTO ideas_comment (city_id, idea_id, author_id, body, state, hidden_reason, "
            "report_count, created_at, language) SELECT %s, %s, "
            "(SELECT min(id) FROM accounts_user WHERE email LIKE %s), "
            "'Comment number ' || g, 'visible', '', 0, now(), 'en' FROM generate_series(1, %s) g",
            [city.pk, idea_id, f"%@{city.slug}.bench", count],
        )
        cursor.execute("UPDATE ideas_idea SET comment_count = %s WHERE id = %s", [count, idea_id])
    return idea_id
