"""``manage.py bench ideas|signed_in|pages|evaluation|sponsors|notifications|api|statistics``.

``pages`` times chosen pages (``--url``, ``--as``) against the trivial view,
CPU and wall (``civicideas.benchmarks.pages``), on the seeded cities.

``signed_in`` measures the same seeded city for signed-in people, the support
rush and the admin (``civicideas.benchmarks.signed_in``; issue 17).

``ideas``: seed at scale, measure pages, load-test (below). The other suites
live beside this command in ``civicideas.benchmarks`` (``evaluation``,
``sponsors``, ``notifications``, ``api``: one module each) and print their
own table; app packages hold only what runs in production.

Prints, for each page, the server-side median and 95th percentile and the
query count, next to a trivial one-query view measured in the same run; then
requests/s and p50/p99 latency under wrk against gunicorn (2 sync workers,
persistent connections). Targets are in docs/performance.md.
"""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings

from civicideas.benchmarks import load, pages, seeding, signed_in
from civicideas.benchmarks.timing import Figure, measure
from civicideas.tenancy import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.models import City

SCALES = {
    # ideas, supports/idea, comments/idea, users in the big city; other cities
    "full": {
        "ideas": 100_000,
        "supports": 10,
        "comments": 3,
        "users": 50_000,
        "others": 9,
        "other_ideas": 10_000,
    },
    "small": {
        "ideas": 5_000,
        "supports": 10,
        "comments": 3,
        "users": 5_000,
        "others": 2,
        "other_ideas": 1_000,
    },
}
BIG = "bench-big"
# Suites that seed and measure themselves: "<module>.run(stdout)" prints a table.
OTHER_SUITES = {
    "evaluation": "civicideas.benchmarks.evaluation",
    "sponsors": "civicideas.benchmarks.sponsors",
    "notifications": "civicideas.benchmarks.notifications",
    "api": "civicideas.benchmarks.api",
    "statistics": "civicideas.benchmarks.statistics",
}


class Command(BaseCommand):
    help = "Seed a city at scale and measure the ideas pages (see docs/performance.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("suite", choices=["ideas", "signed_in", "pages", *OTHER_SUITES])
        parser.add_argument("--scale", choices=sorted(SCALES), default="full")
        parser.add_argument("--reuse", action="store_true", help="Keep earlier seeded data.")
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--load-seconds", type=int, default=30)
        parser.add_argument("--no-load", action="store_true")
        parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
        parser.add_argument(
            "--url", action="append", default=[], help="pages: a page to time (repeatable)."
        )
        parser.add_argument(
            "--as", dest="viewer", choices=pages.VIEWERS, default="admin", help="pages: who asks."
        )

    def handle(self, *args, **options) -> None:
        if "bench" not in settings.DATABASES["default"]["NAME"]:
            raise CommandError(
                "Run the benchmark on its own database (DATABASE_URL=.../civicideas_bench); "
                "`make bench` does."
            )
        if options["suite"] in OTHER_SUITES:
            importlib.import_module(OTHER_SUITES[options["suite"]]).run(self.stdout)
            return
        if options["suite"] == "pages":
            if not options["url"]:
                raise CommandError("bench pages: give at least one --url.")
            forget_hosts()
            pages.run(
                self.stdout, urls=options["url"], who=options["viewer"], repeat=options["repeat"]
            )
            return
        scale = SCALES[options["scale"]]
        if not options["reuse"] or not City.objects.filter(slug=BIG).exists():
            self._seed(scale)
        forget_hosts()
        big = City.objects.get(slug=BIG)
        with city_context(big), connection.cursor() as cursor:
            cursor.execute("SELECT id FROM ideas_challenge WHERE slug = 'bench'")
            challenge_id = cursor.fetchone()[0]
        idea_id = seeding.add_comments_to_one_idea(big, challenge_id, 50)
        if options["suite"] == "signed_in":
            signed_in.run(
                self.stdout,
                big=big,
                idea_id=idea_id,
                repeat=options["repeat"],
                load_seconds=options["load_seconds"],
                no_load=options["no_load"],
            )
            return
        figures = self._measure(big, idea_id, options["repeat"])
        self._print_figures(figures)
        loads = [] if options["no_load"] else self._load(big, idea_id, options["load_seconds"])
        self._print_loads(loads)
        if options["json"]:
            options["json"].write_text(
                json.dumps(
                    {
                        "scale": options["scale"],
                        "pages": [f.__dict__ for f in figures],
                        "load": [f.__dict__ for f in loads],
                    },
                    indent=2,
                )
            )

    # --- seeding -------------------------------------------------------------

    def _seed(self, scale: dict) -> None:
        started = time.monotonic()
        self.stdout.write("Removing earlier benchmark cities…")
        seeding.drop_bench_cities()
        total = 1 + scale["others"]
        self.stdout.write(f"[1/{total}] {BIG}: {scale['ideas']:,} ideas")
        seeding.seed_city(
            BIG,
            ideas=scale["ideas"],
            supports_per_idea=scale["supports"],
            comments_per_idea=scale["comments"],
            users=scale["users"],
            progress=self._progress,
        )
        for n in range(1, scale["others"] + 1):
            self.stdout.write(f"[{n + 1}/{total}] bench-{n}: {scale['other_ideas']:,} ideas")
            seeding.seed_city(
                f"bench-{n}",
                ideas=scale["other_ideas"],
                supports_per_idea=scale["supports"],
                comments_per_idea=scale["comments"],
                users=max(1_000, scale["other_ideas"] // 2),
                progress=self._progress,
            )
        with connection.cursor() as cursor:
            # Fresh GIN entries sit in the pending list until a vacuum; without
            # it the planner overprices the search indexes (docs/search.md).
            cursor.execute("VACUUM ANALYZE")
        self.stdout.write(f"Seeded in {time.monotonic() - started:.0f} s.")

    def _progress(self, message: str) -> None:
        self.stdout.write(f"    {message}")

    # --- server-side figures ---------------------------------------------------

    @override_settings(ROOT_URLCONF="civicideas.benchmarks.urls", ALLOWED_HOSTS=["*"], DEBUG=False)
    def _measure(self, big: City, idea_id: int, repeat: int) -> list[Figure]:
        host = f"{BIG}.localhost"
        anonymous = Client(HTTP_HOST=host)
        user = get_user_model().objects.filter(email__endswith=f"@{BIG}.bench").order_by("pk")[0]
        member = Client(HTTP_HOST=host)
        member.force_login(user)
        challenge = "/challenges/bench/"
        pages = [("trivial view (1 indexed query)", lambda: anonymous.get("/_bench/trivial/"))]
        for sort in ("random", "newest", "most_supported", "most_discussed"):
            for page in (1, 200):
                url = f"{challenge}?sort={sort}&page={page}"
                pages.append((f"challenge {sort}, page {page}", lambda url=url: anonymous.get(url)))
        pages += [
            ("idea page, 50 comments", lambda: anonymous.get(f"/ideas/{idea_id}/")),
            ("search 'bike lane'", lambda: anonymous.get(f"{challenge}?q=bike+lane")),
            ("search typo 'bycicle'", lambda: anonymous.get(f"{challenge}?q=bycicle")),
            ("similar ideas", lambda: anonymous.get(f"{challenge}similar/?title=more+trees+park")),
            ("city home", lambda: anonymous.get("/")),
        ]
        figures = [measure(name, request, repeat=repeat) for name, request in pages]
        support_url = f"/ideas/{idea_id}/support/"

        def toggle() -> object:
            member.post(support_url, {"action": "support"})
            return member.post(support_url, {"action": "unsupport"})

        figure = measure("support + unsupport (2 POSTs)", toggle, repeat=repeat)
        figures.append(figure)
        return figures

    def _print_figures(self, figures: list[Figure]) -> None:
        baseline = figures[0]
        self.stdout.write("")
        self.stdout.write(
            f"{'page':<34} {'median ms':>10} {'p95 ms':>8} {'x trivial':>10} "
            f"{'queries':>8} {'status':>7}"
        )
        for f in figures:
            self.stdout.write(
                f"{f.name:<34} {f.median_ms:>10.1f} {f.p95_ms:>8.1f} {f.ratio(baseline):>10.1f} "
                f"{f.queries:>8} {f.status:>7}"
            )

    # --- load ------------------------------------------------------------------

    def _load(self, big: City, idea_id: int, seconds: int) -> list[load.LoadFigure]:
        port = load.free_port()
        host = f"{BIG}.localhost"
        targets = [
            ("trivial view", "/_bench/trivial/"),
            ("challenge page (random, p1)", "/challenges/bench/"),
            ("idea page", f"/ideas/{idea_id}/"),
            ("search", "/challenges/bench/?q=bike+lane"),
        ]
        self.stdout.write(
            f"\nLoad test: gunicorn 2 sync workers, wrk 8 connections, {seconds} s each"
        )
        with load.gunicorn(port):
            return [load.wrk(name, port, host, path, seconds=seconds) for name, path in targets]

    def _print_loads(self, loads: list[load.LoadFigure]) -> None:
        if not loads:
            return
        baseline = loads[0].requests_per_s or 1
        self.stdout.write(
            f"{'target':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'% trivial':>10} {'non-2xx':>8}"
        )
        for f in loads:
            self.stdout.write(
                f"{f.name:<30} {f.requests_per_s:>8.0f} {f.p50_ms:>8.1f} {f.p99_ms:>8.1f} "
                f"{100 * f.requests_per_s / baseline:>9.0f}% {f.errors:>8}"
            )
