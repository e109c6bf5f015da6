"""``manage.py bench signed_in``: the people who take part (issue 17).

On the ideas suite's seeded city (``bench-big``), with the evaluation and
sponsors suites' cities when they are seeded:

1. server-side (Django test client, production settings): the trivial view,
   then the signed-in challenge, idea (50 comments) and home pages, one
   support and one unsupport (htmx), and the admin pages of a city admin,
   each with its ratio to the trivial view and its target;
2. under wrk against gunicorn (2 sync workers, 8 connections): the trivial
   view, the signed-in pages with a real session cookie, and the support
   rush: ``people`` distinct signed-in people support and unsupport one idea
   through the htmx form, a Lua script rotating their session cookies and
   CSRF tokens; afterwards the idea's counter must equal its rows, with no
   error and no deadlock;
3. the workers' memory after the load against their memory right after start.

Targets and figures: docs/performance.md, "Signed-in pages, supports and the admin".
"""

from __future__ import annotations

import re
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from civicideas.accounts.middleware import SESSION_CITY_KEY, session_binding
from civicideas.benchmarks import evaluation as evaluation_suite
from civicideas.benchmarks import load
from civicideas.benchmarks import sponsors as sponsors_suite
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City, Membership
from civicideas.tenancy.roles import Role
from ideas.admin.content.ideas import IdeaAdmin

#: Statements of the request's transaction and row-level-security setting:
#: the same filter as the query-count tests (tests/ideas/test_views.py).
_MACHINERY = re.compile(
    r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b"
    r"|^SELECT (set_config|current_setting)\('civicideas\."
)
HTMX = {"HX-Request": "true", "HX-Target": "support"}


@dataclass
class Row:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    data_queries: int
    status: int
    target: str = ""
    met: bool | None = None


def _measure(name: str, request: Any, repeat: int) -> Row:
    request()  # warm caches and connections
    queries, data = 0, 0
    # Queries are counted on requests of their own: capturing them costs
    # time, more so with server-side binding (the SQL is rebuilt for the log).
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            request()
        sql = [q["sql"] for q in captured.captured_queries]
        queries = max(queries, len(sql))
        data = max(data, len([q for q in sql if not _MACHINERY.match(q)]))
    durations, status = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = request()
        durations.append((time.perf_counter() - started) * 1000)
        status = getattr(response, "status_code", 0)
    durations.sort()
    p95 = durations[min(len(durations) - 1, int(len(durations) * 0.95))]
    return Row(name, statistics.median(durations), p95, queries, data, status)


def _judge(row: Row, baseline: Row, *, times: float, budget: int) -> Row:
    ratio = row.median_ms / baseline.median_ms if baseline.median_ms else 0.0
    row.target = f"<= {times:g}x, <= {budget} q"
    row.met = ratio <= times and row.data_queries <= budget and row.status in (200, 302)
    return row


# --- people and sessions ------------------------------------------------------------------


def _member(city: City, email: str, roles: list[str]) -> Any:
    user, _created = get_user_model().objects.get_or_create(
        email=email,
        defaults={"password": "!"},
    )
    with city_context(city):
        membership, created = Membership.objects.get_or_create(
            user=user, city=city, defaults={"roles": roles}
        )
        if not created and sorted(membership.roles) != sorted(roles):
            Membership.objects.filter(pk=membership.pk).update(roles=roles)
    return user


def _sessions(city: City, users: list[Any]) -> list[str]:
    """A signed-in session per user, bound to ``city`` as the sign-in would
    leave it (``SessionCityMiddleware``), written through the session store."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    # The backend a sign-in records: the first that can load a user.
    backend = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(import_string(path), "get_user")
    )

    class _Request:  # session_binding only reads request.city
        pass

    request = _Request()
    request.city = city
    keys = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SESSION_CITY_KEY] = session_binding(request)
        session.create()
        keys.append(session.session_key)
    return keys


def _client(host: str, session_key: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


# --- 1. server-side -----------------------------------------------------------------------


def _server_side(big: City, idea_id: int, repeat: int, person_key: str, admin_key: str) -> list:
    host = f"{big.slug}.localhost"
    anonymous = Client(HTTP_HOST=host)
    person = _client(host, person_key)
    admin = _client(host, admin_key)
    rows = [_measure("trivial view", lambda: anonymous.get("/_bench/trivial/"), repeat)]
    baseline = rows[0]
    pages = [
        ("challenge page, signed in", "/challenges/bench/"),
        ("idea page (50 comments), signed in", f"/ideas/{idea_id}/"),
        ("city home, signed in", "/"),
    ]
    for name, url in pages:
        row = _measure(name, lambda url=url: person.get(url), repeat)
        rows.append(_judge(row, baseline, times=3, budget=10))
    support = f"/ideas/{idea_id}/support/"
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in HTMX.items()}
    actions = ["unsupport", "support"]

    def toggle() -> Any:
        # Every measured POST changes something: support, unsupport, support...
        actions.reverse()
        return person.post(support, {"action": actions[0]}, **headers)

    row = _measure("htmx support/unsupport POST", toggle, repeat)
    rows.append(_judge(row, baseline, times=10, budget=6))
    rows += _admin_pages(big, admin, baseline, repeat)
    return rows


def _idea_sort_columns() -> list[int]:
    """The admin idea list's sortable columns, as ``?o=`` numbers them (0 is
    the row checkbox; a city admin who moderates sees every column)."""
    return [
        i for i, name in enumerate(IdeaAdmin.list_display, start=1) if name in IdeaAdmin.sortable_by
    ]


def _admin_pages(big: City, admin: Client, baseline: Row, repeat: int) -> list[Row]:
    with city_context(big), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ideas_challenge WHERE slug = 'bench'")
        challenge_id = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM ideas_category WHERE city_id = %s", [big.pk])
        category_id = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM ideas_district WHERE city_id = %s", [big.pk])
        district_id = cursor.fetchone()[0]
    ideas = "/admin/ideas/idea/"
    urls = [
        ("admin ideas, default", ideas),
        ("admin ideas, search", ideas + "?q=bike"),
        *[
            (f"admin ideas, sort {o}", ideas + f"?o={o}")
            for i in _idea_sort_columns()
            for o in (str(i), f"-{i}")
        ],
        ("admin ideas, filter status", ideas + "?status__exact=published"),
        ("admin ideas, filter reported", ideas + "?reported=yes"),
        ("admin ideas, filter challenge", ideas + f"?challenge__id__exact={challenge_id}"),
        ("admin ideas, filter category", ideas + f"?category__id__exact={category_id}"),
        ("admin ideas, filter district", ideas + f"?district__id__exact={district_id}"),
        # Every bench idea is on-line: the off-line filter finds none.
        ("admin ideas, filter channel", ideas + "?channel__exact=paper"),
        ("admin comments", "/admin/ideas/comment/"),
        ("admin moderation queue", "/admin/ideas/idea/moderation/"),
    ]
    rows = []
    for name, url in urls:
        row = _measure(name, lambda url=url: admin.get(url), repeat)
        rows.append(_judge(row, baseline, times=10, budget=15))
    rows += _evaluation_pages(baseline, repeat)
    rows += _sponsor_pages(baseline, repeat)
    return rows


def _evaluation_pages(baseline: Row, repeat: int) -> list[Row]:
    """Assignments and the ranking of the evaluation suite's 5,000-idea
    challenge (seeded by ``make bench SUITE=evaluation``)."""
    from evaluation.models import ChallengeEvaluation, Scorecard

    city = City.objects.filter(slug=evaluation_suite.SLUG).first()
    if city is None:
        return []
    with city_context(city):
        if not Scorecard.objects.exists():
            return []
        settings_pk = ChallengeEvaluation.objects.values_list("pk", flat=True).first()
        user = get_user_model().objects.get(email=f"admin-0@{evaluation_suite.EMAIL_DOMAIN}")
    client = _client(f"{city.slug}.localhost", _sessions(city, [user])[0])
    rows = []
    for name, url in (
        ("admin assignments (15,000)", "/admin/evaluation/assignment/"),
        (
            "admin ranking (5,000 ideas)",
            f"/admin/evaluation/challengeevaluation/{settings_pk}/ranking/",
        ),
    ):
        row = _measure(name, lambda url=url: client.get(url), repeat)
        rows.append(_judge(row, baseline, times=10, budget=15))
    return rows


def _sponsor_pages(baseline: Row, repeat: int) -> list[Row]:
    """The best-match list of the sponsors suite's 20,000 initiatives."""
    from sponsors.models import SponsorMatch

    city = City.objects.filter(slug=sponsors_suite.SLUG).first()
    if city is None:
        return []
    with city_context(city):
        if not SponsorMatch.objects.exists():
            return []
    user = get_user_model().objects.get(email=sponsors_suite.EMAIL)
    client = _client(f"{city.slug}.localhost", _sessions(city, [user])[0])
    row = _measure(
        "initiatives best match (20,000)",
        lambda: client.get("/initiatives/?sort=match"),
        repeat,
    )
    return [_judge(row, baseline, times=10, budget=15)]


# --- 2. under load ------------------------------------------------------------------------

RUSH_LUA = """
-- Generated by civicideas/benchmarks/signed_in.py: people = {{session, csrf}, ...}
local people = {%(people)s}
local host = "%(host)s"
local cookie_name, csrf_cookie = "%(cookie)s", "%(csrf_cookie)s"
local threads, counter = 0, 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
  thread:set("step", %(threads)d)
end
local supported = {}
function request()
  local i = (first + counter * step) %% #people + 1
  counter = counter + 1
  local person = people[i]
  local action = supported[i] and "unsupport" or "support"
  supported[i] = not supported[i]
  return wrk.format("POST", nil, {
    ["Host"] = host,
    ["Cookie"] = cookie_name .. "=" .. person[1] .. "; " .. csrf_cookie .. "=" .. person[2],
    ["X-CSRFToken"] = person[2],
    ["HX-Request"] = "true",
    ["HX-Target"] = "support",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "action=" .. action)
end
"""


def _rush_script(host: str, sessions: list[str], threads: int) -> Path:
    people = ",".join(f'{{"{key}","{secrets.token_hex(16)}"}}' for key in sessions)
    text = RUSH_LUA % {
        "people": people,
        "host": host,
        "cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "threads": threads,
    }
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    with handle:
        handle.write(text)
    return Path(handle.name)


def _rss_kib(master_pid: int) -> list[int]:
    """Resident memory of the gunicorn master's children (the workers)."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{master_pid}\n" in text:
            rss = re.search(r"VmRSS:\s+(\d+) kB", text)
            sizes.append(int(rss.group(1)) if rss else 0)
    return sizes


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _under_load(
    big: City, idea_id: int, seconds: int, person_key: str, people: list[str], stdout: Any
) -> list[tuple[load.LoadFigure, str, bool | None]]:
    from ideas.models import Idea, Support

    host = f"{big.slug}.localhost"
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={person_key}"}
    port = load.free_port()
    connections = 8
    script = _rush_script(host, people, threads=min(2, connections))
    # All wrk requests come from 127.0.0.1: the per-IP support budget would
    # stop the rush after 200; in a city, 2,000 people have many addresses.
    extra_env = {"FORM_RATE_LIMITS": "support=1000/h|"}
    results: list[tuple[load.LoadFigure, str, bool | None]] = []
    deadlocks_before = _deadlocks()
    stdout.write(
        f"\nLoad: gunicorn 2 sync workers, wrk {connections} connections, {seconds} s each"
    )
    with load.gunicorn(port, extra_env=extra_env) as master:
        trivial = load.wrk("trivial view", port, host, "/_bench/trivial/", seconds=seconds)
        rss_start = _rss_kib(master.pid)
        results.append((trivial, "", None))
        base = trivial.requests_per_s or 1
        for name, path in (
            ("challenge page, signed in", "/challenges/bench/"),
            ("idea page (50 comments), signed in", f"/ideas/{idea_id}/"),
            ("city home, signed in", "/"),
        ):
            figure = load.wrk(name, port, host, path, seconds=seconds, headers=cookie)
            results.append((figure, ">= 33 %", figure.requests_per_s / base >= 0.33))
        rush = load.wrk(
            f"support rush ({len(people):,} people)",
            port,
            host,
            f"/ideas/{idea_id}/support/",
            seconds=max(seconds, 20),
            connections=connections,
            script=script,
        )
        rss_end = _rss_kib(master.pid)
    script.unlink(missing_ok=True)
    with city_context(big):
        counter = Idea.objects.filter(pk=idea_id).values_list("support_count", flat=True)[0]
        rows = Support.objects.filter(idea_id=idea_id).count()
    deadlocks = _deadlocks() - deadlocks_before
    consistent = counter == rows and rush.errors == 0 and deadlocks == 0
    results.append(
        (rush, ">= 25 %, counter = rows", rush.requests_per_s / base >= 0.25 and consistent)
    )
    stdout.write(
        f"support rush: counter {counter:,}, rows {rows:,}, non-2xx/socket errors "
        f"{rush.errors}, deadlocks {deadlocks}"
    )
    if rss_start and rss_end:
        stdout.write(
            f"worker RSS: {max(rss_start) / 1024:.0f} MiB after start and one trivial run, "
            f"{max(rss_end) / 1024:.0f} MiB after the load "
            f"({max(rss_end) / max(rss_start):.2f}x; target <= 2x a bare worker)"
        )
    return results


# --- entry point --------------------------------------------------------------------------


def run(
    stdout: Any,
    *,
    big: City,
    idea_id: int,
    repeat: int,
    load_seconds: int,
    no_load: bool,
    people: int = 2_000,
) -> None:
    person = _member(big, f"person@{big.slug}.bench", [Role.CITIZEN.value])
    admin = _member(big, f"admin@{big.slug}.bench", [Role.CITY_ADMIN.value])
    person_key, admin_key = _sessions(big, [person, admin])
    with override_settings(
        ROOT_URLCONF="civicideas.benchmarks.urls", ALLOWED_HOSTS=["*"], DEBUG=False
    ):
        rows = _server_side(big, idea_id, repeat, person_key, admin_key)
    baseline = rows[0]
    stdout.write(
        f"\n{'server-side':<38} {'median ms':>9} {'p95 ms':>7} {'x triv':>7} "
        f"{'queries':>7} {'data q':>6} {'status':>6}  {'target':<18} result"
    )
    for row in rows:
        ratio = row.median_ms / baseline.median_ms if baseline.median_ms else 0.0
        verdict = "" if row.met is None else ("met" if row.met else "NOT MET")
        stdout.write(
            f"{row.name:<38} {row.median_ms:>9.1f} {row.p95_ms:>7.1f} {ratio:>7.1f} "
            f"{row.queries:>7} {row.data_queries:>6} {row.status:>6}  {row.target:<18} {verdict}"
        )
    if no_load:
        return
    from ideas.models import Idea

    with city_context(big):
        author_id = Idea.objects.filter(pk=idea_id).values_list("author_id", flat=True)[0]
    # Not the idea's author: their support is refused (403), which wrk
    # counted as the rush's one error in every run.
    users = list(
        get_user_model()
        .objects.filter(email__endswith=f"@{big.slug}.bench", email__startswith="user")
        .exclude(pk=author_id)
        .order_by("pk")[:people]
    )
    sessions = _sessions(big, users)
    loads = _under_load(big, idea_id, load_seconds, person_key, sessions, stdout)
    base = loads[0][0].requests_per_s or 1
    stdout.write(
        f"\n{'under load':<38} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'% triv':>7} "
        f"{'errors':>6}  {'target':<24} result"
    )
    for figure, target, met in loads:
        verdict = "" if met is None else ("met" if met else "NOT MET")
        stdout.write(
            f"{figure.name:<38} {figure.requests_per_s:>8.0f} {figure.p50_ms:>7.1f} "
            f"{figure.p99_ms:>7.1f} {100 * figure.requests_per_s / base:>6.0f}% "
            f"{figure.errors:>6}  {target:<24} {verdict}"
        )
