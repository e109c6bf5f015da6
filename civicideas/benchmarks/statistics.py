# ruff: noqa: S608 - the SQL is built from module constants; values are bound parameters.
"""Statistics benchmark: ``/statistics/`` (and ``/projects/`` when it exists)
at scale.

``run(stdout)`` seeds (once) a city "bench-stats" through
``seeding.seed_city`` (100,000 ideas by default, ``BENCH_STATISTICS_IDEAS``
to change it; ~10 supports and ~3 comments per idea), then in set-based
SQL spreads its ideas, supports and comments over twelve months, gives
~75 % of the public ideas an official answer after 0 to 60 days, decides
a third of them, and adds 2,000 projects carrying out the implemented and
in-progress ideas. Then it times the background computation (what the
beat task or a queued refresh does: ``store.statistics_refresh``), and,
next to the trivial one-query view: the statistics page for an anonymous
visitor (page cache), for a signed-in one (figures from the cache, page
rendered), on a cache miss (cache and page dropped before each request:
what a visitor meets after a flush, the city's stored row read and the
page rendered), for a city with no figures yet ("being prepared", the
refresh queued), the platform's comparison on a miss, one CSV, and the
projects list and a project's page.

Queuing is replaced by a no-op here: the benchmark's Redis may be shared,
and no worker should pick up a refresh for this database.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse

from civicideas.benchmarks import seeding
from civicideas.benchmarks.timing import Figure, measure
from civicideas.statistics.store import statistics_forget, statistics_refresh
from civicideas.tenancy.context import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.models import City
from ideas.models import Idea
from projects.models import Project

SLUG = "bench-stats"
IDEAS = int(os.environ.get("BENCH_STATISTICS_IDEAS", "100000"))
PROJECTS = 2_000
REPEAT = int(os.environ.get("BENCH_STATISTICS_REPEAT", "20"))

_SPREAD = [
    # Twelve months of history, the statuses of decided ideas.
    """UPDATE ideas_idea SET
           created_at = now() - ((id %% 360) || ' days')::interval
               - ((id %% 24) || ' hours')::interval,
           published_at = now() - ((id %% 360) || ' days')::interval
               - ((id %% 24) || ' hours')::interval + interval '1 hour',
           status = CASE WHEN status <> 'published' THEN status
                         WHEN id %% 10 = 1 THEN 'accepted' WHEN id %% 10 = 2 THEN 'rejected'
                         WHEN id %% 10 = 3 THEN 'implemented' WHEN id %% 10 = 4 THEN 'in_progress'
                         ELSE status END
     WHERE city_id = %(city)s""",
    """UPDATE ideas_support s SET created_at = i.created_at + ((s.id %% 20) || ' days')::interval
      FROM ideas_idea i WHERE i.id = s.idea_id AND s.city_id = %(city)s""",
    """UPDATE ideas_comment c SET created_at = i.created_at + ((c.id %% 25) || ' days')::interval
      FROM ideas_idea i WHERE i.id = c.idea_id AND c.city_id = %(city)s""",
    """INSERT INTO ideas_department (city_id, name, slug, translations)
       SELECT %(city)s, 'Department ' || g, 'department-' || g, '{}'::jsonb
         FROM generate_series(1, 4) g""",
    """UPDATE ideas_category c SET department_id = d.id
      FROM ideas_department d
     WHERE c.city_id = %(city)s AND d.city_id = %(city)s
       AND d.slug = 'department-' || (1 + c.id %% 4)""",
    """UPDATE ideas_district SET population = 20000 + (id %% 7) * 5000
     WHERE city_id = %(city)s AND id %% 5 <> 0""",
    # The official answers: 3 in 4 public ideas, 0-60 days after publication.
    """INSERT INTO ideas_statuschange (city_id, idea_id, from_status, to_status, changed_by_id,
                                     message, is_official, is_public, created_at, translations)
       SELECT i.city_id, i.id, 'published',
              CASE WHEN i.status IN ('accepted', 'implemented', 'in_progress') THEN 'accepted'
                   WHEN i.status = 'rejected' THEN 'rejected' ELSE 'under_evaluation' END,
              i.author_id,
              CASE WHEN i.id %% 3 = 0 THEN '' ELSE 'Thank you: here is our answer.' END,
              true, true,
              LEAST(now(), i.published_at + ((i.id * 7) %% 60 || ' days')::interval), '{}'::jsonb
         FROM ideas_idea i
        WHERE i.city_id = %(city)s
          AND (i.id %% 4 <> 0 OR i.status IN ('accepted', 'rejected', 'implemented', 'in_progress'))
          AND i.status IN ('published', 'under_evaluation', 'accepted', 'rejected',
                           'implemented', 'in_progress')""",
    """INSERT INTO ideas_statuschange (city_id, idea_id, from_status, to_status, changed_by_id,
                                     message, is_official, is_public, created_at, translations)
       SELECT i.city_id, i.id, 'accepted', 'implemented', i.author_id, '', true, true,
              LEAST(now(), i.published_at + ((60 + (i.id * 11) %% 120) || ' days')::interval),
              '{}'::jsonb
         FROM ideas_idea i WHERE i.city_id = %(city)s AND i.status = 'implemented'""",
    f"""INSERT INTO projects_project (city_id, lock_version, translations, title, description,
                                  weight, status, stop_reason, planned_start, planned_end,
                                  actual_start, actual_end, progress, progress_override_reason,
                                  is_public, created_at, updated_at, external_ref)
       SELECT %(city)s, 1, '{{}}'::jsonb, 'Project ' || g, '', 1,
              (ARRAY['planned', 'in_progress', 'done', 'stopped'])[1 + g %% 4],
              CASE WHEN g %% 4 = 3 THEN 'No budget.' ELSE '' END,
              current_date - (g %% 300), current_date - (g %% 300) + 30 + g %% 200,
              current_date - (g %% 300), CASE WHEN g %% 4 = 2
                  THEN current_date - (g %% 300) + 20 + g %% 250 END,
              0, '', g %% 20 <> 0, now(), now(), ''
         FROM generate_series(1, {PROJECTS}) g""",
    """INSERT INTO projects_projectidea (city_id, project_id, idea_id)
       SELECT %(city)s, p.ids[1 + i.id %% array_length(p.ids, 1)], i.id
         FROM ideas_idea i,
              (SELECT array_agg(id ORDER BY id) AS ids FROM projects_project
                WHERE city_id = %(city)s AND status IN ('done', 'in_progress')) p
        WHERE i.city_id = %(city)s AND i.status IN ('implemented', 'in_progress')""",
]


def _seed(stdout: Any) -> City:
    started = time.perf_counter()
    seeding.drop_bench_cities(prefix=SLUG)
    seeded = seeding.seed_city(
        SLUG,
        ideas=IDEAS,
        supports_per_idea=10,
        comments_per_idea=3,
        users=max(1_000, IDEAS // 2),
        progress=lambda message: stdout.write(f"    {message}"),
    )
    city = seeded.city
    with city_context(city), connection.cursor() as cursor:
        for sql in _SPREAD:
            cursor.execute(sql, {"city": city.pk})
        stdout.write(f"    {SLUG}: twelve months of answers and {PROJECTS:,} projects")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    stdout.write(f"Seeded in {time.perf_counter() - started:.0f} s.")
    return city


def _compute(city: City, stdout: Any) -> float:
    """Median seconds of the background refresh (three runs), which also
    leaves the city's row and cache filled for the page figures."""
    durations = []
    for _ in range(3):
        started = time.perf_counter()
        with city_context(city):
            statistics_refresh(city=city)
        durations.append(time.perf_counter() - started)
        stdout.write(f"    background computation: {durations[-1] * 1000:,.0f} ms")
    return statistics.median(durations)


@override_settings(ROOT_URLCONF="civicideas.benchmarks.urls", ALLOWED_HOSTS=["*"], DEBUG=False)
def _measure(city: City) -> list[Figure]:
    client = Client(HTTP_HOST=f"{SLUG}.localhost")
    member = Client(HTTP_HOST=f"{SLUG}.localhost")
    member.force_login(get_user_model().objects.filter(email__endswith=f"@{SLUG}.bench").first())
    platform = Client(HTTP_HOST="localhost")
    with city_context(city):
        project = Project.objects.filter(is_public=True, ideas__isnull=False).order_by("pk").first()

    def miss() -> object:
        statistics_forget(city.pk)  # the cache and the page; the row stays
        return client.get("/statistics/")

    def platform_miss() -> object:
        statistics_forget(city.pk)
        return platform.get("/statistics/")

    def new_city() -> object:
        # As for a city without figures: nothing in the cache, no row
        # version to read (a bumped VERSION reads the same way).
        statistics_forget(city.pk)
        with mock.patch("civicideas.statistics.store.VERSION", -1):
            return client.get("/statistics/")

    pages = [
        ("trivial view (1 indexed query)", lambda: client.get("/_bench/trivial/")),
        ("/statistics/ (page cache hit)", lambda: client.get("/statistics/")),
        ("/statistics/ signed in (rendered)", lambda: member.get("/statistics/")),
        ("/statistics/ (cache miss: row)", miss),
        ("/statistics/ (no figures yet)", new_city),
        ("platform /statistics/ (miss)", platform_miss),
        (
            "/statistics/answers-by-month.csv",
            lambda: client.get("/statistics/answers-by-month.csv"),
        ),
    ]
    try:
        projects = reverse("projects:list")
    except NoReverseMatch:
        projects = ""
    if projects:
        pages.append(("/projects/", lambda: client.get(projects)))
        pages.append(("/projects/ signed in", lambda: member.get(projects)))
        if project is not None:
            detail = reverse("projects:detail", args=[project.pk])
            pages.append(("/projects/<id>/", lambda: client.get(detail)))
            pages.append(("/projects/<id>/ signed in", lambda: member.get(detail)))
    with mock.patch("civicideas.statistics.tasks.refresh_city.delay"):
        return [measure(name, request, repeat=REPEAT) for name, request in pages]


def run(stdout: Any) -> None:
    city = City.objects.filter(slug=SLUG).first()
    if city is not None:
        with city_context(city):
            seeded = Project.objects.count() == PROJECTS and Idea.objects.count() >= IDEAS
    if city is None or not seeded or os.environ.get("BENCH_STATISTICS_RESEED"):
        city = _seed(stdout)
    forget_hosts()
    computation = _compute(city, stdout)
    figures = _measure(city)
    baseline = figures[0]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    stdout.write(f"\n{SLUG}: {IDEAS:,} ideas, {PROJECTS:,} projects (load average {load})")
    stdout.write(f"background computation (beat / queued refresh): {computation * 1000:,.0f} ms")
    stdout.write(
        f"{'page':<36} {'median ms':>10} {'p95 ms':>8} {'x trivial':>10} "
        f"{'queries':>8} {'status':>7}"
    )
    for f in figures:
        stdout.write(
            f"{f.name:<36} {f.median_ms:>10.1f} {f.p95_ms:>8.1f} {f.ratio(baseline):>10.1f} "
            f"{f.queries:>8} {f.status:>7}"
        )
