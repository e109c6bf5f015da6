"""``manage.py bench pages --url … [--as admin|person|evaluator|sponsor]``:
CPU and wall time of chosen pages against the trivial view, alternated.

For working on one page: the suites print their targets, this prints what
a change moved. Each round requests the trivial view and every page once,
in turn, so a machine busy with other work slows them alike; the CPU time
(``time.process_time``: the web code, not the database's) moves least
with the machine's load. Uses the cities the suites seeded (``--reuse``):
``bench-big`` (person, admin), the evaluation suite's city (evaluator),
the sponsors suite's (sponsor). Figures of the sixth pass in
docs/performance.md were taken with it."""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from civicideas.benchmarks import evaluation as evaluation_suite
from civicideas.benchmarks import signed_in
from civicideas.benchmarks import sponsors as sponsors_suite
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role

VIEWERS = ("admin", "person", "evaluator", "sponsor")
TRIVIAL = "/_bench/trivial/"


def _viewer(who: str) -> tuple[City, Any]:
    if who in ("admin", "person"):
        city = City.objects.get(slug="bench-big")
        role = Role.CITY_ADMIN if who == "admin" else Role.CITIZEN
        return city, signed_in._member(city, f"{who}@{city.slug}.bench", [role.value])
    if who == "evaluator":
        city = City.objects.get(slug=evaluation_suite.SLUG)
        with city_context(city):
            user = get_user_model().objects.get(email=f"admin-0@{evaluation_suite.EMAIL_DOMAIN}")
        return city, user
    city = City.objects.get(slug=sponsors_suite.SLUG)
    return city, get_user_model().objects.get(email=sponsors_suite.EMAIL)


def run(stdout: Any, *, urls: list[str], who: str, repeat: int) -> None:
    try:
        city, user = _viewer(who)
    except ObjectDoesNotExist as missing:
        raise CommandError(
            "bench pages times the seeded cities: run `make bench SUITE=signed_in` "
            "(and SUITE=evaluation or SUITE=sponsors for those viewers) first."
        ) from missing
    host = f"{city.slug}.localhost"
    viewer = signed_in._client(host, signed_in._sessions(city, [user])[0])
    anonymous = Client(HTTP_HOST=host)
    pages = [TRIVIAL, *urls]

    def get(url: str) -> Any:
        return (anonymous if url == TRIVIAL else viewer).get(url)

    with override_settings(
        ROOT_URLCONF="civicideas.benchmarks.urls", ALLOWED_HOSTS=["*"], DEBUG=False
    ):
        counts = {}
        for url in pages:
            get(url)  # warm caches and connections
            with CaptureQueriesContext(connection) as captured:
                response = get(url)
            sql = [q["sql"] for q in captured.captured_queries]
            data = [q for q in sql if not signed_in._MACHINERY.match(q)]
            counts[url] = (response.status_code, len(sql), len(data))
        cpu: dict[str, list[float]] = {url: [] for url in pages}
        wall: dict[str, list[float]] = {url: [] for url in pages}
        for _ in range(repeat):
            for url in pages:
                started_cpu, started = time.process_time(), time.perf_counter()
                get(url)
                cpu[url].append((time.process_time() - started_cpu) * 1000)
                wall[url].append((time.perf_counter() - started) * 1000)
    base = statistics.median(wall[TRIVIAL])
    stdout.write(
        f"{'page':<60} {'status':>6} {'queries':>7} {'data q':>6} "
        f"{'CPU ms':>7} {'wall ms':>7} {'x triv':>6}"
    )
    for url in pages:
        status, queries, data = counts[url]
        median_wall = statistics.median(wall[url])
        stdout.write(
            f"{url:<60} {status:>6} {queries:>7} {data:>6} "
            f"{statistics.median(cpu[url]):>7.2f} {median_wall:>7.2f} {median_wall / base:>6.1f}"
        )
