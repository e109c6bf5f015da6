"""Every endpoint x every role, table-driven: the answer each role gets in
its own city, and that the same request with another city's ids is a 404
(or a 400 when the id is in the body: "does not exist") for the roles that
may do it here.

Roles: anonymous, citizen (author of the idea), sponsor member, group admin,
moderator, evaluator, city admin, and a city admin of ANOTHER city (signed
in here with a token of this host, without any role here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.world import ROLES, World

pytestmark = pytest.mark.django_db

SIGNED_IN = [r for r in ROLES if r != "anon"]
STAFF_VIEW = {"moderator", "evaluator", "admin"}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    #: Expected status per role; roles not listed get ``default``.
    expect: dict[str, int]
    default: int
    body: dict[str, Any] | None = None
    #: Keys of ids carried in the body (another city's → 400, not 404).
    body_ids: tuple[str, ...] = field(default_factory=tuple)

    def status_for(self, role: str) -> int:
        return self.expect.get(role, self.default)


def everyone(code: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, code)


def only(roles: set[str] | list[str], ok: int, *, others: int = 403) -> tuple[dict, int]:
    expect = dict.fromkeys(roles, ok)
    expect.setdefault("anon", 401)
    return expect, others


CASES = [
    Case("challenge", "GET", "/api/v1/challenges/{challenge}/", everyone(200), 200),
    Case("category", "GET", "/api/v1/categories/{category}/", everyone(200), 200),
    Case("district", "GET", "/api/v1/districts/{district}/", everyone(200), 200),
    Case("idea", "GET", "/api/v1/ideas/{idea}/", everyone(200), 200),
    Case("history", "GET", "/api/v1/ideas/{idea}/history/", everyone(200), 200),
    Case("comments", "GET", "/api/v1/ideas/{idea}/comments/", everyone(200), 200),
    Case("answer", "GET", "/api/v1/official-answers/{answer}/", everyone(200), 200),
    Case("group", "GET", "/api/v1/groups/{group}/", everyone(200), 200),
    Case("initiative", "GET", "/api/v1/initiatives/{initiative}/", everyone(200), 200),
    Case("need", "GET", "/api/v1/needs/{need}/", everyone(200), 200),
    Case("sponsor", "GET", "/api/v1/sponsors/{sponsor}/", everyone(200), 200),
    Case("project", "GET", "/api/v1/projects/{project}/", everyone(200), 200),
    Case("milestones", "GET", "/api/v1/projects/{project}/milestones/", everyone(200), 200),
    Case("project updates", "GET", "/api/v1/projects/{project}/updates/", everyone(200), 200),
    Case(
        "create project",
        "POST",
        "/api/v1/projects/",
        *only(["admin"], 201),
        body={"title": "A new square", "category": "{category}"},
        body_ids=("category",),
    ),
    Case(
        "edit project",
        "PATCH",
        "/api/v1/projects/{project}/",
        *only(["admin"], 200),
        body={"title": "A new title", "district": "{district}"},
    ),
    Case(
        "project status",
        "POST",
        "/api/v1/projects/{project}/status/",
        *only(["admin"], 200),
        body={"status": "in_progress"},
    ),
    Case(
        "add milestone",
        "POST",
        "/api/v1/projects/{project}/milestones/",
        *only(["admin"], 201),
        body={"title": "Dig", "due_on": "2026-05-01"},
    ),
    Case(
        "publish project update",
        "POST",
        "/api/v1/projects/{project}/updates/",
        *only(["admin"], 201),
        body={"text": "The first trees are in."},
    ),
    Case(
        "offer",
        "GET",
        "/api/v1/offers/{offer}/",
        dict.fromkeys(["sponsor", "group_admin", *STAFF_VIEW], 200),
        404,
    ),
    Case(
        "notification",
        "GET",
        "/api/v1/me/notifications/{notification}/",
        {"citizen": 200, "anon": 401},
        404,
    ),
    Case(
        "assignment", "GET", "/api/v1/assignments/{assignment}/", *only(["evaluator", "admin"], 200)
    ),
    Case("ranking", "GET", "/api/v1/rankings/{eval_challenge}/", *only(["admin"], 200)),
    Case("queue", "GET", "/api/v1/moderation/queue/", *only(["moderator", "admin"], 200)),
    Case("assignments", "GET", "/api/v1/assignments/", *only(["evaluator", "admin"], 200)),
    Case("scorecards", "GET", "/api/v1/scorecards/", *only(["evaluator", "admin"], 200)),
    Case("notifications", "GET", "/api/v1/me/notifications/", {"anon": 401}, 200),
    Case("preferences", "GET", "/api/v1/me/preferences/", {"anon": 401}, 200),
    Case("offers", "GET", "/api/v1/offers/", {"anon": 200}, 200),
    Case(
        "report",
        "POST",
        "/api/v1/reports/",
        {"anon": 401},
        201,
        body={"idea": "{idea}", "reason": "Spam"},
        body_ids=("idea",),
    ),
    Case(
        "moderate idea",
        "POST",
        "/api/v1/moderation/ideas/{idea}/",
        *only(["moderator", "admin"], 200),
        body={"action": "dismiss"},
    ),
    Case(
        "moderate comment",
        "POST",
        "/api/v1/moderation/comments/{comment}/",
        *only(["moderator", "admin"], 200),
        body={"action": "dismiss"},
    ),
    Case(
        "accept offer",
        "POST",
        "/api/v1/offers/{offer}/accept/",
        {"group_admin": 200, "sponsor": 403, **dict.fromkeys(STAFF_VIEW, 403), "anon": 401},
        404,
        body={},
    ),
    Case(
        "withdraw offer",
        "POST",
        "/api/v1/offers/{offer}/withdraw/",
        {"sponsor": 200, "group_admin": 403, **dict.fromkeys(STAFF_VIEW, 403), "anon": 401},
        404,
    ),
    Case(
        "make offer",
        "POST",
        "/api/v1/offers/",
        {"sponsor": 201, "anon": 401},
        400,
        body={"sponsor": "{sponsor}", "need": "{need}", "quantity": "10"},
        body_ids=("sponsor", "need"),
    ),
    Case(
        "add need",
        "POST",
        "/api/v1/needs/",
        {"group_admin": 201, "anon": 401},
        400,
        body={"initiative": "{initiative}", "kind": "funding", "quantity": "5", "unit": "eur"},
        body_ids=("initiative",),
    ),
    Case(
        "edit initiative",
        "PATCH",
        "/api/v1/initiatives/{initiative}/",
        {"group_admin": 200, "anon": 401},
        403,
        body={"title": "A new title"},
    ),
    Case(
        "cancel initiative",
        "POST",
        "/api/v1/initiatives/{initiative}/cancel/",
        {"group_admin": 200, "anon": 401},
        403,
    ),
    Case(
        "create group",
        "POST",
        "/api/v1/groups/",
        {"anon": 401},
        201,
        body={"name": "Gardeners", "contact_email": "g@example.org"},
    ),
    Case(
        "score draft",
        "POST",
        "/api/v1/assignments/{assignment}/draft/",
        {"evaluator": 200, "admin": 403, "anon": 401},
        403,
        body={"scores": [{"criterion": "{criterion}", "score": 3}]},
    ),
    Case(
        "decide",
        "POST",
        "/api/v1/decisions/",
        *only(["admin"], 201),
        body={"idea": "{eval_idea}", "decision": "accept", "message": "We do it."},
        body_ids=("eval_idea",),
    ),
    Case("read all", "POST", "/api/v1/me/notifications/read-all/", {"anon": 401}, 200),
    Case(
        "read one",
        "POST",
        "/api/v1/me/notifications/{notification}/read/",
        {"citizen": 200, "anon": 401},
        404,
    ),
    Case(
        "preferences update",
        "PUT",
        "/api/v1/me/preferences/",
        {"anon": 401},
        200,
        body={"choices": {"idea_published": "off"}},
    ),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def call(world: World, role: str, case: Case, ids: dict[str, int]):
    client = world.client(role)
    path = case.path.format(**ids)
    if case.method == "GET":
        return client.get(path)
    body = json.dumps(_fill(case.body or {}, ids))
    return client.generic(case.method, path, body, content_type="application/json")


@pytest.fixture
def world(city, other_city):
    return World(city, other_city)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_role_matrix(world, case, role):
    response = call(world, role, case, world.ids(world.here))
    assert response.status_code == case.status_for(role), (role, response.content[:300])
    if response.status_code >= 400:
        # One error shape for every refusal, field errors included (issue 19).
        assert {"code", "detail"} <= set(response.json()), response.content
    # No answer ever carries an email address, except the moderators' queue.
    if case.name != "queue":
        for user in world.users.values():
            assert user.email.encode() not in response.content


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_other_city_ids_are_not_found(world, case):
    """The roles that succeed here get 404 (path id) or 400 (body id) with
    the other city's ids, and the other city's rows are untouched."""
    allowed = [r for r in ROLES if 200 <= case.status_for(r) < 300]
    here, there = world.ids(world.here), world.ids(world.there)
    uses_ids = "{" in case.path or case.body_ids
    if not uses_ids:
        pytest.skip("no id in this request")
    for role in allowed:
        ids = dict(here)
        for key in [*_path_keys(case.path), *case.body_ids]:
            ids[key] = there[key]
        response = call(world, role, case, ids)
        in_path = any(there[k] == ids[k] for k in _path_keys(case.path))
        expected = 404 if in_path else 400
        assert response.status_code == expected, (role, response.content[:300])


def _path_keys(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
