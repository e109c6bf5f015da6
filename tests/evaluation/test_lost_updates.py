"""Rubric edits and decisions: a stale form never overwrites a colleague's
save (``civicideas.concurrency``)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from civicideas.accounts.services import profile_ensure
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from evaluation.models import Criterion, Rubric
from ideas.models import StatusChange
from ideas.status import IdeaStatus
from tests.concurrency import change_form_data, parallel
from tests.conftest import client_for, lock_version_of, make_member
from tests.evaluation.factories import CriterionFactory, RubricFactory
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(city):
    anna = make_member(city, Role.CITY_ADMIN, email="anna@riverton.example")
    ben = make_member(city, Role.CITY_ADMIN, email="ben@riverton.example")
    with city_context(city):
        profile = profile_ensure(user=anna)
        profile.display_name = "Anna Admin"
        profile.save()
        rubric = RubricFactory(name="Impact")
        CriterionFactory(rubric=rubric, name="Cost", weight=Decimal("1"))
        idea = IdeaFactory()
    return {"anna": anna, "ben": ben, "rubric": rubric, "idea": idea, "city": city}


def _path(rubric) -> str:
    return f"/admin/evaluation/rubric/{rubric.pk}/change/"


def _rubric(s) -> Rubric:
    with city_context(s["city"]):
        return Rubric.objects.get(pk=s["rubric"].pk)


def test_stale_rubric_edit_is_refused_whole(setup):
    s = setup
    anna, ben = client_for(s["anna"], s["city"]), client_for(s["ben"], s["city"])
    first = change_form_data(anna.get(_path(s["rubric"])))
    second = change_form_data(ben.get(_path(s["rubric"])))
    assert anna.post(_path(s["rubric"]), {**first, "name": "Impact 2027"}).status_code == 302
    # Ben also changes a criterion in the same (stale) form: none of it is saved.
    weight_key = next(key for key in second if key.endswith("-weight"))
    response = ben.post(_path(s["rubric"]), {**second, "name": "Ben's", weight_key: "9"})
    assert response.status_code == 409
    assert "Changed by Anna Admin at" in response.content.decode()
    assert _rubric(s).name == "Impact 2027"
    with city_context(s["city"]):
        assert Criterion.objects.get(rubric=s["rubric"]).weight == Decimal("1")
    del second["lock_version"]
    assert ben.post(_path(s["rubric"]), {**second, "name": "Blind"}).status_code == 400
    assert _rubric(s).name == "Impact 2027"


def test_two_concurrent_rubric_edits_one_wins(setup):
    s = setup
    clients = [client_for(s[who], s["city"]) for who in ("anna", "ben")]
    forms = [change_form_data(client.get(_path(s["rubric"]))) for client in clients]
    posts = [
        lambda client=client, form=form, n=n: (
            client.post(_path(s["rubric"]), {**form, "name": f"Rubric {n}"}).status_code
        )
        for n, (client, form) in enumerate(zip(clients, forms, strict=True))
    ]
    assert parallel(posts) == [302, 409]
    assert _rubric(s).lock_version == forms[0]["lock_version"] + 1


def _decide(client, body: dict, **headers):
    return client.post(
        "/api/v1/decisions/", data=json.dumps(body), content_type="application/json", **headers
    )


def test_api_decision_with_a_stale_version_is_refused(setup):
    s = setup
    read_at = lock_version_of(s["idea"])
    anna, ben = client_for(s["anna"], s["city"]), client_for(s["ben"], s["city"])
    body = {"idea": s["idea"].pk, "message": "Decided", "lock_version": read_at}
    done = _decide(anna, {**body, "decision": "shortlist"})
    assert done.status_code == 201, done.content
    assert done.json()["lock_version"] == read_at + 1
    assert done["ETag"] == f'"{read_at + 1}"'
    refused = _decide(ben, {**body, "decision": "reject"})
    assert refused.status_code == 409
    assert refused.json()["changed_by"] == "Anna Admin"
    with city_context(s["city"]):
        assert StatusChange.objects.filter(idea=s["idea"], is_official=True).count() == 1
    stale = {k: v for k, v in body.items() if k != "lock_version"}
    refused = _decide(ben, {**stale, "decision": "reject"}, HTTP_IF_MATCH=f'"{read_at}"')
    assert refused.status_code == 412
    with city_context(s["city"]):
        assert s["idea"].__class__.objects.get(pk=s["idea"].pk).status == (
            IdeaStatus.UNDER_EVALUATION
        )
