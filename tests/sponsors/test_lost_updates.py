"""No lost updates on initiatives, needs and offers (civicideas.concurrency).

Two administrators of one group read the same page; the first one's
decision stands, the second one's stale post is refused with 409 (412 for an
API ``If-Match``), who changed it and when, and nothing is written. Posted
from threads on real PostgreSQL connections, exactly one of two posts made
from one version wins.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from civicideas.accounts.services import profile_ensure
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from sponsors.models import Initiative, InitiativeStatus, Need, Offer
from tests.conftest import client_for, lock_version_of, make_member
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    InitiativeFactory,
    NeedFactory,
    OfferFactory,
    refresh,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def g(city):
    """A group with two administrators, an initiative, a need and an offer."""
    anna = make_member(city, email="anna@example.org")
    ben = make_member(city, email="ben@example.org")
    with city_context(city):
        group = GroupFactory(name="Gardeners")
        for person in (anna, ben):
            GroupMembershipFactory(group=group, user=person)
        profile = profile_ensure(user=anna)
        profile.display_name = "Anna Gardener"
        profile.save()
        initiative = InitiativeFactory(group=group, title="River garden")
        need = NeedFactory(initiative=initiative, quantity=Decimal("1000"))
        refresh(initiative)
        offer = OfferFactory(need=need, quantity=Decimal("100"))
    return {
        "anna": anna,
        "ben": ben,
        "initiative": initiative,
        "need": need,
        "offer": offer,
    }


def _fresh(city, obj):
    with city_context(city):
        return type(obj).objects.get(pk=obj.pk)


def _edit_data(version: int, title: str) -> dict:
    return {
        "lock_version": version,
        "title": title,
        "summary": "",
        "description": "",
        "district": "",
        "starts_on": "",
        "ends_on": "",
        "image_alt": "",
    }


def _parallel(posts):
    """Run the posts (callables) in threads, each on its own connection."""

    def run(post):
        try:
            return post()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return sorted(pool.map(run, posts))


# --- initiative edit -----------------------------------------------------------------


def test_stale_initiative_edit_is_refused_with_who_and_when(city, g):
    url = reverse("sponsors:initiative_edit", args=[g["initiative"].pk])
    read_at = lock_version_of(g["initiative"])
    anna, ben = client_for(g["anna"], city), client_for(g["ben"], city)
    assert anna.post(url, _edit_data(read_at, "Anna's title")).status_code == 302
    response = ben.post(url, _edit_data(read_at, "Ben's title"))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Changed by Anna Gardener at" in body
    assert "reload" in body.lower() and f'href="{url}"' in body
    initiative = _fresh(city, g["initiative"])
    assert initiative.title == "Anna's title"
    assert initiative.last_changed_by == g["anna"]
    # The refused form starts again from the current version.
    assert lock_version_of(g["initiative"]) == read_at + 1


@pytest.mark.parametrize("version", ["", "①", "²", "1e3", "-1", "99999999999", "\x00"])
def test_initiative_edit_without_a_usable_version_is_a_400(city, g, version):
    url = reverse("sponsors:initiative_edit", args=[g["initiative"].pk])
    data = _edit_data(0, "Changed blindly")
    data["lock_version"] = version
    response = client_for(g["anna"], city).post(url, data)
    assert response.status_code == 400
    assert _fresh(city, g["initiative"]).title == "River garden"


def test_two_concurrent_initiative_edits_one_wins(city, g):
    url = reverse("sponsors:initiative_edit", args=[g["initiative"].pk])
    read_at = lock_version_of(g["initiative"])
    posts = [
        lambda who=who: client_for(g[who], city).post(url, _edit_data(read_at, who)).status_code
        for who in ("anna", "ben")
    ]
    assert _parallel(posts) == [302, 409]
    assert _fresh(city, g["initiative"]).title in ("anna", "ben")
    assert lock_version_of(g["initiative"]) == read_at + 1


# --- initiative actions, needs ----------------------------------------------------------


def test_stale_cancel_after_a_colleagues_edit_is_refused(city, g):
    read_at = lock_version_of(g["initiative"])
    url = reverse("sponsors:initiative_edit", args=[g["initiative"].pk])
    client_for(g["anna"], city).post(url, _edit_data(read_at, "Renamed"))
    cancel = reverse("sponsors:initiative_action", args=[g["initiative"].pk, "cancel"])
    response = client_for(g["ben"], city).post(cancel, {"lock_version": read_at})
    assert response.status_code == 409
    assert "Changed by Anna Gardener" in response.content.decode()
    assert _fresh(city, g["initiative"]).status == InitiativeStatus.SEEKING
    with city_context(city):
        assert Offer.objects.get(pk=g["offer"].pk).state == Offer.State.OFFERED


def test_initiative_action_without_version_is_a_400(city, g):
    cancel = reverse("sponsors:initiative_action", args=[g["initiative"].pk, "cancel"])
    response = client_for(g["anna"], city).post(cancel)
    assert response.status_code == 400
    assert _fresh(city, g["initiative"]).status == InitiativeStatus.SEEKING


def test_stale_need_close_is_refused(city, g):
    url = reverse("sponsors:need_close", args=[g["need"].pk])
    read_at = lock_version_of(g["need"])
    assert client_for(g["anna"], city).post(url, {"lock_version": read_at}).status_code == 302
    closed_at = _fresh(city, g["need"]).closed_at
    response = client_for(g["ben"], city).post(url, {"lock_version": read_at})
    assert response.status_code == 409
    assert _fresh(city, g["need"]).closed_at == closed_at
    assert client_for(g["ben"], city).post(url).status_code == 400


def test_two_concurrent_need_closes_one_wins(city, g):
    url = reverse("sponsors:need_close", args=[g["need"].pk])
    read_at = lock_version_of(g["need"])
    posts = [
        lambda who=who: client_for(g[who], city).post(url, {"lock_version": read_at}).status_code
        for who in ("anna", "ben")
    ]
    assert _parallel(posts) == [302, 409]
    assert lock_version_of(g["need"]) == read_at + 1


# --- offer answers ------------------------------------------------------------------------


def test_stale_decline_after_a_colleagues_acceptance_is_refused(city, g):
    url = reverse("sponsors:offer_decide", args=[g["offer"].pk])
    read_at = lock_version_of(g["offer"])
    response = client_for(g["anna"], city).post(
        url, {"decision": "accept", "quantity": "40", "lock_version": read_at}
    )
    assert response.status_code == 302
    notifications = _count_notifications(city)
    response = client_for(g["ben"], city).post(
        url, {"decision": "decline", "reason": "Not needed", "lock_version": read_at}
    )
    assert response.status_code == 409
    assert "Changed by Anna Gardener" in response.content.decode()
    offer = _fresh(city, g["offer"])
    assert (offer.state, offer.accepted_quantity) == (Offer.State.PARTLY_ACCEPTED, Decimal("40"))
    assert _count_notifications(city) == notifications


def test_offer_answer_without_version_is_a_400(city, g):
    url = reverse("sponsors:offer_decide", args=[g["offer"].pk])
    response = client_for(g["anna"], city).post(url, {"decision": "accept"})
    assert response.status_code == 400
    assert _fresh(city, g["offer"]).state == Offer.State.OFFERED


def test_accept_and_decline_at_once_one_wins(city, g):
    url = reverse("sponsors:offer_decide", args=[g["offer"].pk])
    read_at = lock_version_of(g["offer"])
    decisions = {"anna": "accept", "ben": "decline"}
    posts = [
        lambda who=who: (
            client_for(g[who], city)
            .post(url, {"decision": decisions[who], "lock_version": read_at})
            .status_code
        )
        for who in decisions
    ]
    assert _parallel(posts) == [302, 409]
    offer = _fresh(city, g["offer"])
    assert offer.state in (Offer.State.ACCEPTED, Offer.State.DECLINED)
    need = _fresh(city, g["need"])
    assert need.fulfilled == (Decimal("100") if offer.state == Offer.State.ACCEPTED else 0)


def _count_notifications(city) -> int:
    with city_context(city):
        return Notification.objects.count()


# --- API ------------------------------------------------------------------------------------


def _api(client, method: str, path: str, body: dict | None = None, **headers):
    return getattr(client, method)(
        path, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


def test_api_initiative_answers_carry_an_etag_and_honour_if_match(city, g):
    path = f"/api/v1/initiatives/{g['initiative'].pk}/"
    anna, ben = client_for(g["anna"], city), client_for(g["ben"], city)
    read = anna.get(path)
    etag = read["ETag"]
    assert etag == f'"{read.json()["lock_version"]}"'
    changed = _api(anna, "patch", path, {"title": "By Anna"}, **{"If-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    refused = _api(ben, "patch", path, {"title": "By Ben"}, **{"If-Match": etag})
    assert refused.status_code == 412
    body = refused.json()
    assert body["code"] == "precondition_failed"
    assert body["changed_by"] == "Anna Gardener"
    assert body["lock_version"] == changed.json()["lock_version"]
    assert refused["ETag"] == changed["ETag"]
    # The same stale version in the body: 409.
    stale = json.loads(etag)
    refused = _api(ben, "patch", path, {"title": "By Ben", "lock_version": int(stale)})
    assert refused.status_code == 409
    assert refused.json()["code"] == "stale"
    assert _fresh(city, g["initiative"]).title == "By Anna"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"If-Match": "3"}, {}),  # not quoted
        ({"If-Match": '"①"'}, {}),
        ({"If-Match": '"1", "2"'}, {}),
        ({}, {"lock_version": "²"}),
        ({}, {"lock_version": 1e300}),
        ({}, {"lock_version": 10**30}),
        ({}, {"lock_version": True}),
        ({}, {"lock_version": [1]}),
        ({"If-Match": '"1"'}, {"lock_version": 2}),  # disagree
    ],
)
def test_api_hostile_versions_are_a_400(city, g, headers, body):
    path = f"/api/v1/initiatives/{g['initiative'].pk}/"
    response = _api(client_for(g["anna"], city), "patch", path, {"title": "x", **body}, **headers)
    assert response.status_code == 400, response.content
    assert _fresh(city, g["initiative"]).title == "River garden"


def test_api_offer_accept_with_a_stale_version_is_a_409(city, g):
    path = f"/api/v1/offers/{g['offer'].pk}/"
    read_at = lock_version_of(g["offer"])
    anna, ben = client_for(g["anna"], city), client_for(g["ben"], city)
    declined = _api(anna, "post", path + "decline/", {"lock_version": read_at})
    assert declined.status_code == 200
    accepted = _api(ben, "post", path + "accept/", {"lock_version": read_at})
    assert accepted.status_code == 409
    assert _fresh(city, g["offer"]).state == Offer.State.DECLINED
    assert _fresh(city, g["need"]).fulfilled == 0


def test_api_need_close_and_publish_take_if_match(city, g):
    need_path = f"/api/v1/needs/{g['need'].pk}/close/"
    anna = client_for(g["anna"], city)
    stale = f'"{lock_version_of(g["need"]) - 1}"'
    assert _api(anna, "post", need_path, **{"If-Match": stale}).status_code == 412
    assert _fresh(city, g["need"]).closed_at is None
    current = f'"{lock_version_of(g["need"])}"'
    assert _api(anna, "post", need_path, **{"If-Match": current}).status_code == 200
    with city_context(city):
        draft = InitiativeFactory(
            group=g["initiative"].group, status=InitiativeStatus.DRAFT, published_at=None
        )
    publish = f"/api/v1/initiatives/{draft.pk}/publish/"
    assert _api(anna, "post", publish, {"lock_version": 7}).status_code == 409
    assert _fresh(city, draft).status == InitiativeStatus.DRAFT
    response = _api(anna, "post", publish, **{"If-Match": f'"{lock_version_of(draft)}"'})
    assert response.status_code == 200
    assert _fresh(city, draft).status == InitiativeStatus.SEEKING


def test_services_without_a_version_still_work(city, g):
    """Tasks, the demo and old API clients pass no version: unchecked."""
    from sponsors import services

    with city_context(city):
        services.initiative_update(initiative=g["initiative"], by=g["anna"], title="Renamed")
        assert Initiative.objects.get(pk=g["initiative"].pk).title == "Renamed"
        services.need_close(need=Need.objects.get(pk=g["need"].pk), by=g["anna"])
