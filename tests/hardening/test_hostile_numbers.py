"""Numbers from outside at each place that answered 500 before the one parser
(civicideas/inputs.py) and the API's relation field (civicideas/api/fields.py)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from civicideas.tenancy import city_context
from ideas.models import Idea, Report
from ideas.shuffle import SEED_COOKIE
from ideas.status import IdeaStatus
from sponsors.models import Introduction
from tests.api.world import World
from tests.conftest import client_for, host_of

pytestmark = pytest.mark.django_db

NON_ASCII_DIGITS = ["²", "①", "\u0661\u0662", "\u06f3", "\uff11"]  # ², ①, ١٢, ۳, fullwidth 1
HUGE = str(10**30)


@pytest.fixture
def world(city, other_city) -> World:
    return World(city, other_city)


def admin_client(world: World) -> Client:
    client = client_for(world.users["admin"], world.city)
    client.raise_request_exception = False
    return client


# --- pages and admin ------------------------------------------------------------------


# A cookie travels as bytes decoded as Latin-1: "²" is the byte 0xB2, which
# ``str.isdigit()`` accepts and ``int()`` refuses.
def test_challenge_page_with_a_hostile_shuffle_seed_cookie(world):
    for cookie in ["²³.¹", "739000.²", "¹.¹", f"{HUGE}.1", ".", "-1.-1", "\x00"]:
        client = Client(HTTP_HOST=host_of(world.city), raise_request_exception=False)
        client.cookies[SEED_COOKIE] = cookie
        response = client.get(f"/challenges/{world.here.challenge.slug}/")
        assert response.status_code == 200, cookie
        day, bucket = response.cookies[SEED_COOKIE].value.split(".")
        assert day.isascii() and day.isdigit() and bucket.isascii() and bucket.isdigit()


@pytest.mark.parametrize("model", ["idea", "comment"])
def test_admin_search_boxes_take_any_term(world, model):
    client = admin_client(world)
    for term in [*NON_ASCII_DIGITS, HUGE, "-1", "0", "\x00"]:
        assert client.get(f"/admin/ideas/{model}/", {"q": term}).status_code == 200, term


def test_admin_search_by_id_still_finds_the_row(world):
    client = admin_client(world)
    response = client.get("/admin/ideas/idea/", {"q": str(world.here.idea.pk)})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_moderation_queue_refuses_hostile_keys_and_changes_nothing(world):
    with city_context(world.city):
        Idea.objects.filter(pk=world.here.idea.pk).update(status=IdeaStatus.PENDING)
    queue = "/admin/ideas/idea/moderation/"
    for key in [*(f"idea:{d}" for d in NON_ASCII_DIGITS), f"idea:{HUGE}", "idea:0"]:
        for data in ({"action": "approve", "items": [key]}, {"row_action": f"approve:{key}"}):
            response = admin_client(world).post(queue, data)
            assert response.status_code == 302, key
            assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    with city_context(world.city):
        assert Idea.objects.get(pk=world.here.idea.pk).status == IdeaStatus.PENDING


def test_scorecard_url_with_a_hostile_assignment_id_is_404(world):
    client = client_for(world.users["evaluator"], world.city)
    client.raise_request_exception = False
    for object_id in [*NON_ASCII_DIGITS, HUGE, "0", "-1"]:
        response = client.get(f"/admin/evaluation/assignment/{object_id}/score/")
        assert response.status_code == 404, object_id
    own = client.get(f"/admin/evaluation/assignment/{world.here.assignment.pk}/score/")
    assert own.status_code == 200


def test_candidates_page_refuses_a_hostile_sponsor_id(world):
    url = f"/admin/sponsors/initiative/{world.here.initiative.pk}/candidates/"
    client = admin_client(world)
    for sponsor in [*NON_ASCII_DIGITS, HUGE, "1e3", "-1", ""]:
        response = client.post(url, {"sponsor": sponsor, "message": "Meet"})
        assert response.status_code == 404, sponsor
    with city_context(world.city):
        assert not Introduction.objects.exists()


def test_ranking_page_number_is_bounded(world):
    url = f"/admin/evaluation/challengeevaluation/{world.here.evaluation.pk}/ranking/"
    client = admin_client(world)
    for page in [HUGE, str(10**9), "²", "-5", "1e3"]:
        assert client.get(url, {"page": page}).status_code == 200, page


def test_id_urls_past_bigint_or_zero_are_404(world):
    client = Client(HTTP_HOST=host_of(world.city), raise_request_exception=False)
    for pk in [HUGE, str(2**63), "0", "00000000000000000000"]:
        for path in (f"/ideas/{pk}/", f"/initiatives/{pk}/", f"/comments/{pk}/edit/"):
            assert client.get(path).status_code == 404, path


def test_the_largest_bigint_id_is_an_ordinary_404(world):
    client = Client(HTTP_HOST=host_of(world.city), raise_request_exception=False)
    assert client.get(f"/ideas/{2**63 - 1}/").status_code == 404


def test_offer_form_with_a_hostile_sponsor_id_uses_the_members_sponsor(world):
    client = client_for(world.users["sponsor"], world.city)
    client.raise_request_exception = False
    for sponsor in [*NON_ASCII_DIGITS, HUGE]:
        response = client.post(f"/needs/{world.here.need.pk}/offer/", {"sponsor": sponsor})
        assert response.status_code < 500, sponsor


# --- API relation fields --------------------------------------------------------------

# JSON values DRF's parser accepts: 1e999 is a float infinity, 10**30 does not
# fit a bigint; a boolean, a float and non-ASCII digits are not ids.
HOSTILE_JSON_IDS = ["1e999", "-1e999", str(10**30), "true", "1.5", '"²"', '"\\u0661"', "[]"]


def _post_raw(world: World, role: str, path: str, body: str):
    client = world.client(role)
    client.raise_request_exception = False
    return client.post(path, data=body, content_type="application/json")


API_CASES = {
    "idea challenge": (
        "citizen",
        "/api/v1/ideas/",
        '{{"challenge": {v}, "title": "T", "body": "B"}}',
    ),
    "idea category": (
        "citizen",
        "/api/v1/ideas/",
        '{{"challenge": {challenge}, "category": {v}, "title": "T", "body": "B"}}',
    ),
    "report idea": ("citizen", "/api/v1/reports/", '{{"idea": {v}, "reason": "Spam"}}'),
    "report comment": ("citizen", "/api/v1/reports/", '{{"comment": {v}, "reason": "Spam"}}'),
    "comment parent": (
        "citizen",
        "/api/v1/ideas/{idea}/comments/",
        '{{"body": "Reply", "parent": {v}}}',
    ),
    "offer need": (
        "sponsor",
        "/api/v1/offers/",
        '{{"sponsor": {sponsor}, "need": {v}, "quantity": "1"}}',
    ),
    "offer sponsor": (
        "sponsor",
        "/api/v1/offers/",
        '{{"sponsor": {v}, "need": {need}, "quantity": "1"}}',
    ),
    "need initiative": (
        "group_admin",
        "/api/v1/needs/",
        '{{"initiative": {v}, "kind": "money", "quantity": "1", "unit": "eur"}}',
    ),
    "initiative group": ("group_admin", "/api/v1/initiatives/", '{{"group": {v}, "title": "T"}}'),
    "initiative categories": (
        "group_admin",
        "/api/v1/initiatives/",
        '{{"group": {group}, "title": "T", "categories": [{v}]}}',
    ),
    "decision idea": (
        "admin",
        "/api/v1/decisions/",
        '{{"idea": {v}, "decision": "accepted", "message": "M"}}',
    ),
}


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_api_relation_fields_answer_400_to_non_ids(world, case):
    role, path, body = API_CASES[case]
    ids = world.ids(world.here)
    for value in HOSTILE_JSON_IDS:
        response = _post_raw(world, role, path.format(**ids), body.format(v=value, **ids))
        assert response.status_code == 400, (value, response.content[:300])
    with city_context(world.city):
        assert Idea.objects.count() == 2  # world.here's two ideas, nothing new
        assert Report.objects.count() == 0


def test_api_relation_field_still_accepts_a_string_of_ascii_digits(world):
    ids = world.ids(world.here)
    response = _post_raw(
        world, "citizen", "/api/v1/reports/", f'{{"idea": "{ids["idea"]}", "reason": "Spam"}}'
    )
    assert response.status_code == 201
