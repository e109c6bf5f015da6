"""No input ever produces a 500: every URL pattern, hostile values everywhere.

Every route of the root URLconf (public city pages, platform and account
pages, the admin on a city's host and on the platform host, the API) is
requested with:

* path parameters filled with hostile values (non-ASCII digits, 10**30, -1,
  0, empty, NaN, Infinity, 1e3, NUL) -- and with valid ids, so the view gets
  past its lookup and reads what follows;
* hostile query strings (page=10**9, page=², NUL bytes, every parameter the
  views read set to a hostile value, 1,000+ parameters);
* a hostile POST body (form-encoded for pages and admin, JSON with 1e999,
  10**30, "²" and booleans as ids for the API);

as an anonymous visitor, a citizen and a city admin (the admin as the city
admin, and the platform admin as a platform superuser). Any 5xx fails, with
the list of every request that produced one.
"""

from __future__ import annotations

import json
from itertools import cycle
from urllib.parse import urlencode

import pytest
from django.test import Client

from civicideas.tenancy import city_context
from ideas.models import Idea
from tests.api.world import World
from tests.conftest import host_of
from tests.factories import UserFactory
from tests.hardening.sweep import (
    FORM_ID_NAMES,
    HOSTILE_PATH_VALUES,
    HOSTILE_QUERY_VALUES,
    QUERY_NAMES,
    Route,
    all_routes,
    model_for,
    quoted,
)

pytestmark = pytest.mark.django_db

# Never POSTed: they end the session the sweep is using (GET is still swept).
NO_POST = ("logout",)
FIXED_VALUES = {
    "action": "publish",
    "dataset": "ideas",
    "token": "abc",
    "key": "abc",
    "uidb36": "1",
    "app_label": "ideas",
    "url": "nowhere/",
}


def hostile_queries() -> list[str]:
    """Three query strings: a huge page with hostile values in every
    parameter, a non-ASCII page with NUL bytes, and 1,001 parameters."""
    values = cycle(HOSTILE_QUERY_VALUES)
    first = {name: next(values) for name in QUERY_NAMES}
    first["page"] = str(10**9)
    second = {name: next(values) for name in QUERY_NAMES}
    second.update(page="²", q="\x00", seed="١٢")
    many = [(f"f{i}", "1") for i in range(1001)]
    return [urlencode(first), urlencode(second), urlencode(many)]


def hostile_form() -> dict[str, list[str]]:
    values = cycle(["²", "①", "١٢", str(10**30), "-1", "NaN", "\x00", "1e999", "Infinity"])
    data: dict[str, list[str]] = {name: [next(values), next(values)] for name in FORM_ID_NAMES}
    data.update(
        items=["idea:²", f"comment:{10**30}", "idea:\u0661"],
        row_action=["hide:idea:²"],
        action=["hide"],
        title=["\u200b\u2060\u00ad"],
        body=["\ufeff"],
        name=["\u200e"],
        reason=["\u180e"],
        message=["\x00"],
    )
    return data


def hostile_json_bodies() -> list[str]:
    """JSON that DRF's parser accepts: 1e999 (a float infinity), 10**30,
    non-ASCII digits, a boolean and a float as ids, invisible titles."""
    keys = [
        "challenge",
        "category",
        "district",
        "idea",
        "comment",
        "parent",
        "group",
        "initiative",
        "need",
        "sponsor",
        "source_idea",
        "criterion",
    ]
    bodies = []
    for value in ("1e999", str(10**30), '"²"', "true", "1.5", '"\u0661"'):
        fields = [f'"{key}": {value}' for key in keys]
        fields.append(f'"categories": [{value}]')
        fields.append(f'"scores": [{{"criterion": {value}, "score": {value}}}]')
        fields.append('"title": "\\u200b\\u2060\\u00ad", "body": "\\ufeff", "reason": "\\u200e"')
        fields.append(f'"quantity": {value}, "page_size": {value}, "offset": {value}')
        bodies.append("{" + ", ".join(fields) + "}")
    return bodies


def valid_value(route: Route, param: str, segment: str, city) -> str:
    if param in FIXED_VALUES:
        return FIXED_VALUES[param]
    model = model_for(route, param, segment)
    if model is None:
        return "1"
    with city_context(city):
        obj = model._default_manager.order_by("pk").first()
    if obj is None:
        return "1"
    if param == "slug":
        return obj.slug
    if param == "challenge" and hasattr(obj, "challenge_id"):
        return str(obj.challenge_id)
    return str(obj.pk)


class Sweep:
    """Requests every route and records each 5xx.

    The hostile values rotate from request to request (each route gets a
    few, every value reaches every kind of route many times over), which
    keeps the sweep within a minute; the whole cross product would be tens
    of thousands of requests for the same handful of code paths.
    """

    def __init__(self, city, *, path_values_per_route: int = 4) -> None:
        self.city = city
        self.failures: list[str] = []
        self.requests = 0
        self.per_route = path_values_per_route
        self.path_values = cycle(HOSTILE_PATH_VALUES)
        self.queries = cycle(hostile_queries())
        self.bodies = cycle(hostile_json_bodies())
        self.form = hostile_form()

    def check(self, client: Client, who: str, method: str, url: str, **kwargs) -> None:
        self.requests += 1
        response = getattr(client, method)(url, **kwargs)
        if response.status_code >= 500:
            self.failures.append(f"{who} {method.upper()} {url[:160]} → {response.status_code}")

    def route(
        self, route: Route, clients: dict[str, Client], *, per_route: int = 0, queries: int = 2
    ) -> None:
        """Valid path with hostile queries and body as every client (the
        first client gets ``queries`` queries); hostile path values as the first."""
        url = route.fill(lambda p, s: quoted(valid_value(route, p, s, self.city)))
        for index, (who, client) in enumerate(clients.items()):
            for _ in range(queries if index == 0 else 1):
                self.check(client, who, "get", f"{url}?{next(self.queries)}")
            self.post(route, client, who, url)
        if not route.params:
            return
        who, client = next(iter(clients.items()))
        for index in range(per_route or self.per_route):
            value = next(self.path_values)
            bad = route.fill(lambda p, s, v=value: quoted(v))
            self.check(client, who, "get", bad)
            if index == 0:
                self.post(route, client, who, bad)

    def post(self, route: Route, client: Client, who: str, url: str) -> None:
        if any(word in route.name for word in NO_POST):
            return
        if route.is_api:
            body = next(self.bodies)
            self.check(client, who, "post", url, data=body, content_type="application/json")
        else:
            self.check(client, who, "post", url, data=self.form)


def logged_in(user, host: str) -> Client:
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def world(city, other_city) -> World:
    world = World(city, other_city)
    for things in (world.here, world.there):
        # CommentFactory does not count what the service would have counted.
        with city_context(things.idea.city):
            Idea.objects.filter(pk=things.idea.pk).update(comment_count=1)
    return world


def test_public_pages_and_api_never_answer_5xx(world):
    host = host_of(world.city)
    clients = {
        "citizen": logged_in(world.users["citizen"], host),
        "anon": Client(HTTP_HOST=host, raise_request_exception=False),
        "admin": logged_in(world.users["admin"], host),
    }
    sweep = Sweep(world.city)
    for route in all_routes():
        if not route.is_admin:
            sweep.route(route, clients)
    assert sweep.requests > 500
    assert sweep.failures == []


def _admin_sweep(
    routes: list[Route], client: Client, who: str, city, *, custom_values: int
) -> Sweep:
    """Every admin route; the generic per-model views (add, change, delete,
    history) share Django's code and get one hostile path value and one
    hostile query each (in rotation, so every value reaches them across
    models); custom views get ``custom_values`` values."""
    sweep = Sweep(city)
    for route in routes:
        generic = route.name.endswith(("_change", "_delete", "_history", "_add")) or not route.name
        if generic:
            sweep.route(route, {who: client}, per_route=1, queries=1)
        else:
            sweep.route(route, {who: client}, per_route=custom_values)
    return sweep


def test_admin_on_the_city_host_never_answers_5xx(world):
    admin_routes = [route for route in all_routes() if route.is_admin]
    client = logged_in(world.users["admin"], host_of(world.city))
    sweep = _admin_sweep(
        admin_routes, client, "city_admin", world.city, custom_values=len(HOSTILE_PATH_VALUES)
    )
    assert sweep.failures == []


def test_admin_on_the_platform_host_never_answers_5xx(world):
    admin_routes = [route for route in all_routes() if route.is_admin]
    superuser = UserFactory(email="root@platform.example", is_superuser=True)
    client = logged_in(superuser, "localhost")
    # The same views as on a city's host, in the all-cities context: what
    # differs is the context, so fewer values per custom view suffice.
    sweep = _admin_sweep(admin_routes, client, "superuser", world.city, custom_values=3)
    assert sweep.failures == []


def test_the_sweep_sees_every_kind_of_route():
    """The enumeration itself: it finds the admin, allauth, API and pages."""
    names = {route.name for route in all_routes()}
    for expected in (
        "ideas:idea",
        "sponsors:initiative",
        "api:idea-detail",
        "api:offer-accept",
        "admin:evaluation_assignment_score",
        "admin:sponsors_initiative_candidates",
        "account_signup",
        "notifications:read",
    ):
        assert expected in names
    assert json.loads(hostile_json_bodies()[0])["challenge"] == float("inf")
