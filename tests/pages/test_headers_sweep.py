"""Every response carries the security headers; personal pages are never
cached (issue 21, §5).

The sweep walks **every URL pattern** of the URL conf (public pages, allauth,
admin, API), fills its parameters with real objects of a small world or with
hostile values, and requests it on a city's host, on the platform host and
on an unknown host, anonymous and signed in, GET and POST without a CSRF
token. Whatever the status (200, redirects, 400, 403, 404, 405, 500), the
headers must be there. A new route is covered without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import Resolver404, get_resolver, path, resolve
from django.urls.resolvers import URLPattern, URLResolver

from civicideas.tenancy import all_cities_context
from tests.api.world import World
from tests.conftest import host_of

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: Pages of one person, by URL namespace or (namespace, name): the
#: specification the sweep checks, written out rather than derived from
#: ``civicideas.cache_policy`` so the two can disagree.
PERSONAL_NAMESPACES = {"admin", "accounts", "notifications"}
PERSONAL_NAMES = {
    ("ideas", "my_participation"),
    ("ideas", "follows"),
    ("sponsors", "my_sponsor"),
    ("sponsors", "sponsor_signup"),
    ("sponsors", "dashboard"),
    ("sponsors", "sponsor_edit"),
    ("sponsors", "members"),
    ("api", "token"),
    ("api", "preferences"),
    ("api", "notification-list"),
    ("api", "notification-detail"),
    ("api", "notification-read"),
    ("api", "notification-read-all"),
}


@dataclass(frozen=True)
class Route:
    route: str
    namespace: str
    name: str

    @property
    def personal(self) -> bool:
        return (
            self.namespace in PERSONAL_NAMESPACES
            or (self.namespace, self.name) in PERSONAL_NAMES
            or self.name.startswith("account_")  # allauth's pages
        )

    def __str__(self) -> str:
        return f"{self.namespace}:{self.name} {self.route}"


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield Route(prefix + str(pattern.pattern), namespace, pattern.name or "")


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


# --- filling parameters -------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
#: The word before a parameter names what it is: ``ideas/<int:pk>/``.
_OWNER_WORDS = {
    "challenges": "challenge",
    "categories": "category",
    "districts": "district",
    "ideas": "idea",
    "comments": "comment",
    "official-answers": "answer",
    "groups": "group",
    "initiatives": "initiative",
    "needs": "need",
    "sponsors": "sponsor",
    "offers": "offer",
    "assignments": "assignment",
    "scorecards": "assignment",
    "rankings": "eval_challenge",
    "notifications": "notification",
    "events": "event",
    "projects": "project",
}
HOSTILE = {"int": "99999999999", "slug": "no-such-thing", "str": "nope", "path": "99999999999"}


class Filler:
    """Real values for a route's parameters, from the world of ``tests.api.world``."""

    def __init__(self, world: World, token_pk: int) -> None:
        self.ids = world.ids(world.here)
        self.ids["token"] = token_pk
        self.slugs = {"slug": world.here.challenge.slug, "dataset": "ideas", "action": "publish"}

    def _admin_object(self, route: Route) -> str:
        # admin:<app>_<model>_<change|delete|history>: the first row of that model.
        app_label, *model = route.name.split("_")[:-1] or [""]
        try:
            model_class = apps.get_model(app_label, "_".join(model))
        except (LookupError, ValueError):
            return "1"
        with all_cities_context():
            pk = model_class._base_manager.order_by("pk").values_list("pk", flat=True).first()
        return str(pk or 1)

    def value(self, route: Route, kind: str, name: str, before: str, hostile: bool) -> str:
        if hostile:
            return HOSTILE.get(kind, "99999999999")
        if name in self.slugs:
            return self.slugs[name]
        if name == "object_id":
            return self._admin_object(route)
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(apps.get_model("ideas", "idea")).pk)
        if name == "app_label":
            return "ideas"
        owner = name.removesuffix("_pk").removesuffix("_id") if name != "pk" else None
        word = before.rstrip("/").split("/")[-1].lstrip("^")
        key = owner if owner in self.ids else _OWNER_WORDS.get(word, "")
        if word == "tokens":
            key = "token"
        if key in self.ids:
            return str(self.ids[key])
        return "1" if kind in ("int", "path", "re") else "x"

    def fill(self, route: Route, *, hostile: bool = False) -> str:
        text = route.route
        out, position = [], 0
        for match in sorted(
            [*_CONVERTER.finditer(text), *_GROUP.finditer(text)], key=lambda m: m.start()
        ):
            if match.start() < position:
                continue
            before = text[: match.start()]
            if match.re is _CONVERTER:
                kind, name = match.group(1) or "str", match.group(2)
            else:
                name, body = match.group(1), match.group(2)
                kind = "re"
                alternatives = body.split("|")
                if len(alternatives) > 1 and all(a.isidentifier() for a in alternatives):
                    # e.g. the admin's (?P<app_label>auth|ideas|...)
                    out.append(text[position : match.start()])
                    out.append("ideas" if "ideas" in alternatives else alternatives[0])
                    position = match.end()
                    continue
            out.append(text[position : match.start()])
            out.append(self.value(route, kind, name, before, hostile))
            position = match.end()
        out.append(text[position:])
        url = "".join(out).replace("^", "").replace("$", "").replace("\\", "")
        return "/" + url.replace("/?", "/")


# --- the world and the clients ------------------------------------------------------


@pytest.fixture
def sweep(city, other_city):
    from civicideas.api.tokens import token_issue
    from civicideas.tenancy import city_context
    from tests.factories import UserFactory

    world = World(city, other_city)
    with city_context(city):
        token, _raw = token_issue(user=world.users["citizen"])
    root = UserFactory(is_superuser=True)
    return world, Filler(world, token.pk), root


def _client(host: str, user: Any = None) -> Client:
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def missing_headers(response) -> list[str]:
    missing = [h for h, v in SECURITY_HEADERS.items() if response.get(h) != v]
    csp = response.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp or "default-src 'self'" not in csp:
        missing.append("Content-Security-Policy")
    return missing


def cache_directives(response) -> set[str]:
    return {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",") if d}


def _request(client: Client, method: str, url: str):
    if method == "POST":
        return client.post(url, {"x": "1"})
    return client.get(url)


def _sweep(client: Client, filler: Filler, *, method: str = "GET", hostile: bool = False):
    """Yield (route, url, response) for every pattern."""
    for route in all_routes():
        if hostile and "<" not in route.route and "(?P" not in route.route:
            continue
        url = filler.fill(route, hostile=hostile)
        yield route, url, _request(client, method, url)


def test_the_sweep_reaches_every_pattern_with_real_values(sweep):
    """Guard for the sweep itself: each filled URL resolves to its own pattern."""
    _world, filler, _root = sweep
    routes = all_routes()
    assert len(routes) > 250  # public, allauth, API and admin
    unresolved = []
    for route in routes:
        url = filler.fill(route)
        try:
            match = resolve(url)
        except Resolver404:
            unresolved.append((str(route), url))
            continue
        if match.url_name != route.name and route.name:
            unresolved.append((str(route), url, match.view_name))
    assert unresolved == []


SCENARIOS = {
    # name: (host, user, method, hostile)
    "city-anonymous": ("city", None, "GET", False),
    "city-signed-in-staff": ("city", "admin", "GET", False),
    "city-citizen-hostile-ids": ("city", "citizen", "GET", True),
    "city-post-without-csrf": ("city", "citizen", "POST", False),
    "platform-anonymous": ("platform", None, "GET", False),
    "platform-superuser": ("platform", "root", "GET", False),
    "unknown-host": ("unknown", None, "GET", False),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_response_of_every_route_carries_the_security_headers(sweep, city, scenario):
    world, filler, root = sweep
    host_kind, who, method, hostile = SCENARIOS[scenario]
    host = {"city": host_of(city), "platform": "localhost", "unknown": "nowhere.example"}[host_kind]
    user = root if who == "root" else world.users.get(who) if who else None
    client = _client(host, user)
    client.enforce_csrf_checks = method == "POST"
    failures, statuses = [], set()
    for route, url, response in _sweep(client, filler, method=method, hostile=hostile):
        statuses.add(response.status_code)
        missing = missing_headers(response)
        if missing:
            failures.append((str(route), url, response.status_code, missing))
        # Personal pages, whoever asks and whatever the answer (a page, a
        # redirect to sign in, a 403 or 404), are never stored.
        if host_kind != "unknown" and route.personal:
            directives = cache_directives(response)
            if not {"private", "no-store"} <= directives:
                failures.append((str(route), url, response.status_code, "cacheable", directives))
    assert failures == []
    if host_kind == "unknown":
        assert statuses == {404}
    else:
        assert len(statuses) > 1  # the sweep saw more than one kind of answer


def test_signed_in_api_answers_are_private(sweep, city):
    """What the API returns depends on who asks: any signed-in answer is private."""
    world, filler, _root = sweep
    client = _client(host_of(city), world.users["moderator"])
    for route in all_routes():
        if route.namespace != "api":
            continue
        response = client.get(filler.fill(route))
        assert {"private", "no-store"} <= cache_directives(response), (str(route), response)


def test_public_pages_keep_their_caching_for_anonymous_visitors(sweep, city):
    """The rule adds nothing to public pages: the anonymous page cache still
    serves them, the brand stylesheet stays public."""
    world, _filler, _root = sweep
    client = _client(host_of(city))
    challenge = f"/challenges/{world.here.challenge.slug}/"
    for url in ("/", challenge):
        first, second = client.get(url), client.get(url)
        assert first.status_code == second.status_code == 200
        assert "no-store" not in cache_directives(second)
        assert second["X-Page-Cache"] == "hit", url
    assert "public" in cache_directives(client.get("/brand.css"))
    assert "no-store" not in cache_directives(client.get("/api/v1/challenges/"))


def test_pages_for_a_signed_in_person_are_never_shared(sweep, city):
    world, _filler, _root = sweep
    client = _client(host_of(city), world.users["citizen"])
    response = client.get("/")
    assert response.status_code == 200
    assert "private" in cache_directives(response)
    assert response.get("X-Page-Cache") == "bypass"


def test_static_files_carry_the_security_headers(city):
    response = _client(host_of(city)).get("/static/civicideas/site.css")
    assert response.status_code == 200
    assert missing_headers(response) == []


def test_health_check_carries_the_security_headers(city):
    response = _client(host_of(city)).get("/healthz")
    assert missing_headers(response) == []


def test_invalid_host_header_gets_a_400_with_the_headers(db):
    response = _client("bad host!").get("/")
    assert response.status_code == 400
    assert missing_headers(response) == []


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), *get_resolver("civicideas.urls").url_patterns]


def test_server_error_page_carries_the_security_headers(city, settings):
    settings.ROOT_URLCONF = __name__
    response = _client(host_of(city)).get("/boom/")
    assert response.status_code == 500
    assert missing_headers(response) == []


def test_unknown_host_page_has_every_header_including_x_frame_options(db):
    """The 404 the tenancy middleware answers before any view lacked
    X-Frame-Options: its middleware sat inside the tenancy one."""
    response = _client("nowhere.example").get("/me/profile/")
    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"
    assert missing_headers(response) == []
