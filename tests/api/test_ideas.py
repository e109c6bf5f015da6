"""Challenges, ideas, supports and comments through the API: the same rules
as the browser (the services decide), other cities' ids are 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Challenge, Comment, Idea, Support
from ideas.status import IdeaStatus
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_member
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
    SupportFactory,
)

pytestmark = pytest.mark.django_db


def ideas_of(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def all_pages(api, url: str) -> list[int]:
    ids: list[int] = []
    while url:
        response = api.get(url)
        ids += ideas_of(response)
        url = response.json()["next"]
    return ids


# --- challenges ---------------------------------------------------------------


def test_challenges_list_only_public_phases(city, other_city, anon):
    with city_context(city):
        public = ChallengeFactory(phase=Challenge.Phase.SUPPORTS)
        public.categories.add(CategoryFactory(name="Parks"))
        draft = ChallengeFactory(phase=Challenge.Phase.DRAFT)
    with city_context(other_city):
        foreign = ChallengeFactory()
    response = anon.get("/api/v1/challenges/")
    assert ideas_of(response) == [public.pk]
    row = response.json()["results"][0]
    assert row["phase"] == "supports" and row["accepts_supports"] is True
    assert row["categories"][0]["name"] == "Parks"
    assert anon.get(f"/api/v1/challenges/{public.pk}/").status_code == 200
    assert anon.get(f"/api/v1/challenges/{draft.pk}/").status_code == 404
    assert anon.get(f"/api/v1/challenges/{foreign.pk}/").status_code == 404


# --- idea list ------------------------------------------------------------------


def test_list_needs_a_public_challenge_of_this_city(city, other_city, anon, challenge):
    assert anon.get("/api/v1/ideas/").status_code == 400
    with city_context(other_city):
        foreign = ChallengeFactory()
    assert anon.get(f"/api/v1/ideas/?challenge={foreign.pk}").status_code == 404
    with city_context(city):
        draft = ChallengeFactory(phase=Challenge.Phase.DRAFT)
    assert anon.get(f"/api/v1/ideas/?challenge={draft.pk}").status_code == 404


def test_list_shows_public_ideas_only(city, anon, challenge, citizen):
    with city_context(city):
        public = IdeaFactory(challenge=challenge)
        for hidden_status in (IdeaStatus.HIDDEN, IdeaStatus.PENDING, IdeaStatus.WITHDRAWN):
            IdeaFactory(challenge=challenge, status=hidden_status, author=citizen)
        IdeaFactory()  # another challenge
    assert ideas_of(anon.get(f"/api/v1/ideas/?challenge={challenge.pk}")) == [public.pk]
    # Not even the author sees their hidden ideas in the public list.
    mine = ApiClient(city, token_for(citizen, city))
    assert ideas_of(mine.get(f"/api/v1/ideas/?challenge={challenge.pk}")) == [public.pk]


def test_list_filters_and_sorts_like_the_browser(city, anon, challenge):
    with city_context(city):
        parks, roads = CategoryFactory(), CategoryFactory()
        north = DistrictFactory()
        a = IdeaFactory(challenge=challenge, category=parks, support_count=5, comment_count=1)
        b = IdeaFactory(challenge=challenge, category=roads, support_count=9, district=north)
        c = IdeaFactory(
            challenge=challenge, category=parks, comment_count=7, status=IdeaStatus.ACCEPTED
        )
    base = f"/api/v1/ideas/?challenge={challenge.pk}"
    assert ideas_of(anon.get(f"{base}&sort=most_supported")) == [b.pk, a.pk, c.pk]
    assert ideas_of(anon.get(f"{base}&sort=most_discussed")) == [c.pk, a.pk, b.pk]
    assert ideas_of(anon.get(f"{base}&sort=newest")) == [c.pk, b.pk, a.pk]
    assert set(ideas_of(anon.get(f"{base}&category={parks.pk}"))) == {a.pk, c.pk}
    assert ideas_of(anon.get(f"{base}&district={north.pk}")) == [b.pk]
    assert ideas_of(anon.get(f"{base}&status=accepted")) == [c.pk]
    assert anon.get(f"{base}&status=hidden").status_code == 400
    assert anon.get(f"{base}&sort=sideways").status_code == 400


def test_random_sort_is_stable_per_seed_and_pages_cover_everything(city, anon, challenge):
    with city_context(city):
        ids = {IdeaFactory(challenge=challenge).pk for _ in range(7)}
    base = f"/api/v1/ideas/?challenge={challenge.pk}&page_size=3"
    first = all_pages(anon, f"{base}&seed=42")
    assert sorted(first) == sorted(ids) and len(first) == 7
    assert all_pages(anon, f"{base}&seed=42") == first
    seeds = (0x5555_5555, 0x2AAA_AAAA, 0x7FFF_0000, 0x0000_FFFF, 0x1234_5678)
    orders = {tuple(all_pages(anon, f"{base}&seed={seed}")) for seed in seeds}
    assert len(orders) > 1
    # Without a seed one is chosen and carried in the next link.
    response = anon.get(base)
    assert "seed=" in response.json()["next"]
    unseeded = all_pages(anon, base)
    assert sorted(unseeded) == sorted(ids)


def test_search_with_relevance_pages_through_results(city, anon, challenge):
    with city_context(city):
        hits = {
            IdeaFactory(challenge=challenge, title=f"Bicycle lane {n}", body="Bicycles").pk
            for n in range(5)
        }
        IdeaFactory(challenge=challenge, title="Benches", body="Sit down")
    base = f"/api/v1/ideas/?challenge={challenge.pk}&q=bicycle&page_size=2"
    assert set(all_pages(anon, f"{base}&sort=relevance")) == hits
    assert set(all_pages(anon, f"{base}&sort=newest")) == hits
    # Injection-looking and stop-word-only queries are just queries.
    for q in ("%27%20OR%201%3D1%20--", "%25", "_", "%5C", "the"):
        response = anon.get(f"/api/v1/ideas/?challenge={challenge.pk}&q={q}")
        assert response.status_code == 200, q


@pytest.mark.parametrize("sort", ["newest", "most_supported", "most_discussed"])
def test_keyset_pages_with_ties_lose_and_repeat_nothing(city, anon, challenge, sort):
    with city_context(city):
        ids = {IdeaFactory(challenge=challenge, support_count=n % 2).pk for n in range(9)}
    got = all_pages(anon, f"/api/v1/ideas/?challenge={challenge.pk}&page_size=2&sort={sort}")
    assert len(got) == 9 and set(got) == ids


def test_cursor_is_tamper_proof_and_tied_to_its_order(city, anon, challenge):
    with city_context(city):
        for _ in range(3):
            IdeaFactory(challenge=challenge)
    base = f"/api/v1/ideas/?challenge={challenge.pk}&page_size=1"
    next_url = anon.get(f"{base}&sort=newest").json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    assert anon.get(f"{base}&sort=newest&cursor={cursor}").status_code == 200
    assert anon.get(f"{base}&sort=most_supported&cursor={cursor}").status_code == 400
    assert anon.get(f"{base}&sort=newest&cursor={cursor[:-2]}xx").status_code == 400
    assert anon.get(f"{base}&cursor=%00%ff").status_code == 400


@pytest.mark.parametrize("size", ["1000000000", "99999999999999999999", "-5", "abc", "0"])
def test_page_size_is_bounded(city, anon, challenge, size):
    with city_context(city):
        IdeaFactory.create_batch(105, challenge=challenge)
    response = anon.get(f"/api/v1/ideas/?challenge={challenge.pk}&page_size={size}")
    assert response.status_code == 200
    assert 1 <= len(response.json()["results"]) <= 100


def test_list_query_count_does_not_grow_with_rows(city, challenge, citizen):
    api = ApiClient(city, token_for(citizen, city))
    url = f"/api/v1/ideas/?challenge={challenge.pk}&page_size=100&sort=most_supported"

    def count_queries(n_ideas: int) -> int:
        with city_context(city):
            for _ in range(n_ideas):
                idea = IdeaFactory(challenge=challenge, category=CategoryFactory())
                SupportFactory(idea=idea, user=citizen)
                make_member(city, Role.CITIZEN)
        api.get(url)  # warm up: the token's last_used_at is written at most once a minute
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200
        return len(queries)

    small, large = count_queries(2), count_queries(40)
    assert small == large
    # Token, challenge, one page of ideas; the rest is the city context.
    assert large <= 10


def test_comment_list_query_count_is_bounded(city, anon, challenge):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
        CommentFactory.create_batch(30, idea=idea)
    with CaptureQueriesContext(connection) as queries:
        response = anon.get(f"/api/v1/ideas/{idea.pk}/comments/?page_size=50")
    assert len(response.json()["results"]) == 30
    assert len(queries) <= 8


# --- retrieve -------------------------------------------------------------------


def test_retrieve_visibility_follows_the_rules(city, other_city, anon, challenge, citizen):
    with city_context(city):
        public = IdeaFactory(challenge=challenge)
        hidden = IdeaFactory(
            challenge=challenge, author=citizen, status=IdeaStatus.HIDDEN, hidden_reason="Spam"
        )
        pending = IdeaFactory(challenge=challenge, status=IdeaStatus.PENDING)
    with city_context(other_city):
        foreign = IdeaFactory()
    moderator = ApiClient(city, token_for(make_member(city, Role.MODERATOR), city))
    author = ApiClient(city, token_for(citizen, city))
    stranger = ApiClient(city, token_for(make_member(city, Role.CITIZEN), city))

    assert anon.get(f"/api/v1/ideas/{public.pk}/").json()["hidden_reason"] is None
    for client in (anon, stranger):
        assert client.get(f"/api/v1/ideas/{hidden.pk}/").status_code == 404
        assert client.get(f"/api/v1/ideas/{pending.pk}/").status_code == 404
    assert author.get(f"/api/v1/ideas/{hidden.pk}/").json()["hidden_reason"] == "Spam"
    assert moderator.get(f"/api/v1/ideas/{hidden.pk}/").json()["hidden_reason"] == "Spam"
    assert moderator.get(f"/api/v1/ideas/{pending.pk}/").status_code == 200
    for client in (anon, author, moderator):
        assert client.get(f"/api/v1/ideas/{foreign.pk}/").status_code == 404
    for path in ("abc", "99999999999999999999999", "0", "-1"):
        assert anon.get(f"/api/v1/ideas/{path}/").status_code == 404


# --- create ----------------------------------------------------------------------


def test_create_requires_authentication(anon, challenge):
    response = anon.post_json("/api/v1/ideas/", {"challenge": challenge.pk, "title": "x"})
    assert response.status_code == 401


def test_create_goes_through_the_service(city, citizen_api, challenge, citizen):
    with city_context(city):
        parks = CategoryFactory()
        challenge.categories.add(parks)
    response = citizen_api.post_json(
        "/api/v1/ideas/",
        {
            "challenge": challenge.pk,
            "title": "  Benches  ",
            "body": "By the river.",
            "category": parks.pk,
            "latitude": "50.8503463",
            "longitude": 4.3517,
            "language": "fr",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["title"] == "Benches"
    assert data["status"] == "published" and data["category"]["id"] == parks.pk
    assert data["language"] == "fr" and data["latitude"] == "50.850346"
    with city_context(city):
        idea = Idea.objects.get()
        assert idea.author == citizen and idea.city == city
        assert idea.status_changes.count() == 1


def test_create_with_the_same_submission_token_creates_one_idea(city, citizen_api, challenge):
    payload = {
        "challenge": challenge.pk,
        "title": "Once",
        "body": "Only once.",
        "submission_token": "5b2f1f3c-41a8-4f53-9d1c-2f0a1f7c9e11",
    }
    first = citizen_api.post_json("/api/v1/ideas/", payload)
    second = citizen_api.post_json("/api/v1/ideas/", payload)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]


def test_create_in_premoderated_challenge_is_pending_and_private(city, citizen_api, anon):
    with city_context(city):
        challenge = ChallengeFactory(premoderation=True)
    response = citizen_api.post_json(
        "/api/v1/ideas/", {"challenge": challenge.pk, "title": "Held", "body": "Wait."}
    )
    assert response.json()["status"] == "pending"
    assert anon.get(f"/api/v1/ideas/{response.json()['id']}/").status_code == 404
    assert citizen_api.get(f"/api/v1/ideas/{response.json()['id']}/").status_code == 200


def test_create_refused_by_rules_is_403(city, citizen_api):
    with city_context(city):
        closed = ChallengeFactory(phase=Challenge.Phase.SUPPORTS)
    response = citizen_api.post_json(
        "/api/v1/ideas/", {"challenge": closed.pk, "title": "Late", "body": "Too late."}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed" and response.json()["detail"]


def test_create_with_other_city_category_or_challenge_is_400(city, other_city, citizen_api):
    with city_context(city):
        challenge = ChallengeFactory()
    with city_context(other_city):
        foreign_category, foreign_challenge = CategoryFactory(), ChallengeFactory()
    payload = {"challenge": challenge.pk, "title": "T", "body": "B"}
    response = citizen_api.post_json("/api/v1/ideas/", payload | {"category": foreign_category.pk})
    assert response.status_code == 400 and "category" in response.json()["errors"]
    response = citizen_api.post_json(
        "/api/v1/ideas/", payload | {"challenge": foreign_challenge.pk}
    )
    assert response.status_code == 400 and "challenge" in response.json()["errors"]
    with city_context(other_city):
        assert Idea.objects.count() == 0


def test_mass_assignment_is_ignored(city, other_city, citizen_api, challenge, citizen):
    someone = make_member(city, Role.CITIZEN)
    response = citizen_api.post_json(
        "/api/v1/ideas/",
        {
            "challenge": challenge.pk,
            "title": "Mine",
            "body": "Really.",
            "city": other_city.pk,
            "city_id": other_city.pk,
            "author": someone.pk,
            "author_id": someone.pk,
            "status": "accepted",
            "support_count": 1000,
            "comment_count": 50,
            "created_at": "2001-01-01T00:00:00Z",
            "published_at": "2001-01-01T00:00:00Z",
            "shuffle_key": 1,
            "hidden_reason": "x",
            "id": 999999,
        },
    )
    assert response.status_code == 201, response.content
    with city_context(city):
        idea = Idea.objects.get()
    assert idea.city == city and idea.author == citizen
    assert idea.status == IdeaStatus.PUBLISHED
    assert (idea.support_count, idea.comment_count) == (0, 0)
    assert idea.created_at.year > 2001 and idea.pk != 999999
    patched = citizen_api.patch_json(
        f"/api/v1/ideas/{idea.pk}/",
        {"status": "implemented", "support_count": 7, "author": someone.pk, "title": "Mine 2"},
    )
    assert patched.status_code == 200
    with city_context(city):
        idea.refresh_from_db()
    assert (idea.title, idea.status, idea.support_count, idea.author) == (
        "Mine 2",
        IdeaStatus.PUBLISHED,
        0,
        citizen,
    )


# --- update -----------------------------------------------------------------------


def test_update_own_idea_keeps_absent_fields(city, challenge, citizen, citizen_api):
    with city_context(city):
        parks = CategoryFactory()
        idea = IdeaFactory(challenge=challenge, author=citizen, category=parks, body="Old body")
    response = citizen_api.patch_json(f"/api/v1/ideas/{idea.pk}/", {"title": "New title"})
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "New title"
    assert response.json()["body"] == "Old body" and response.json()["category"]["id"] == parks.pk
    response = citizen_api.patch_json(f"/api/v1/ideas/{idea.pk}/", {"category": None})
    assert response.json()["category"] is None


def test_put_is_not_offered(city, challenge, citizen, citizen_api):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge, author=citizen)
    response = citizen_api.put(f"/api/v1/ideas/{idea.pk}/", "{}", content_type="application/json")
    assert response.status_code == 405


def test_editing_someone_elses_idea_is_403(city, challenge, citizen_api):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge, title="Theirs")
    response = citizen_api.patch_json(f"/api/v1/ideas/{idea.pk}/", {"title": "Mine now"})
    assert response.status_code == 403
    with city_context(city):
        idea.refresh_from_db()
    assert idea.title == "Theirs"


def test_editing_after_the_ideas_phase_is_403(city, citizen, citizen_api):
    with city_context(city):
        idea = IdeaFactory(
            challenge=ChallengeFactory(phase=Challenge.Phase.EVALUATION), author=citizen
        )
    assert citizen_api.patch_json(f"/api/v1/ideas/{idea.pk}/", {"title": "x"}).status_code == 403


def test_editing_an_other_city_idea_is_404(other_city, citizen_api):
    with city_context(other_city):
        idea = IdeaFactory()
    assert citizen_api.patch_json(f"/api/v1/ideas/{idea.pk}/", {"title": "x"}).status_code == 404


# --- supports --------------------------------------------------------------------


def test_support_and_unsupport(city, challenge, citizen, citizen_api):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
    url = f"/api/v1/ideas/{idea.pk}/support/"
    first = citizen_api.post(url)
    assert first.status_code == 201
    assert first.json() == {"supported": True, "support_count": 1}
    again = citizen_api.post(url)
    assert again.status_code == 200 and again.json()["support_count"] == 1
    assert citizen_api.get(f"/api/v1/ideas/{idea.pk}/").json()["supported_by_me"] is True
    assert citizen_api.delete(url).status_code == 204
    assert citizen_api.delete(url).status_code == 204  # idempotent
    with city_context(city):
        idea.refresh_from_db()
        assert idea.support_count == 0 == Support.objects.count()


def test_support_needs_authentication(city, challenge, anon):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
    assert anon.post(f"/api/v1/ideas/{idea.pk}/support/").status_code == 401


@pytest.mark.parametrize("phase", ["evaluation", "results", "closed"])
def test_support_after_supports_close_is_403(city, citizen_api, phase):
    with city_context(city):
        idea = IdeaFactory(challenge=ChallengeFactory(phase=phase))
    response = citizen_api.post(f"/api/v1/ideas/{idea.pk}/support/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert citizen_api.delete(f"/api/v1/ideas/{idea.pk}/support/").status_code == 403


def test_support_of_hidden_or_other_city_idea_is_404(city, other_city, challenge, citizen_api):
    with city_context(city):
        hidden = IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN)
    with city_context(other_city):
        foreign = IdeaFactory()
    for idea in (hidden, foreign):
        assert citizen_api.post(f"/api/v1/ideas/{idea.pk}/support/").status_code == 404


def test_own_withdrawn_idea_cannot_be_supported(city, challenge, citizen, citizen_api):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge, author=citizen, status=IdeaStatus.WITHDRAWN)
    assert citizen_api.post(f"/api/v1/ideas/{idea.pk}/support/").status_code == 403


# --- comments -----------------------------------------------------------------------


def test_comment_list_and_create_with_reply(city, challenge, citizen, citizen_api, anon):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
        CommentFactory(idea=idea, state=Comment.State.HIDDEN, body="Hidden one")
    url = f"/api/v1/ideas/{idea.pk}/comments/"
    created = citizen_api.post_json(url, {"body": "Nice idea"})
    assert created.status_code == 201, created.content
    parent_id = created.json()["id"]
    reply = citizen_api.post_json(url, {"body": "Agreed", "parent": parent_id})
    assert reply.status_code == 201 and reply.json()["parent"] == parent_id
    listed = anon.get(url).json()["results"]
    assert [c["body"] for c in listed] == ["Nice idea", "Agreed"]
    assert listed[0]["author_name"]
    with city_context(city):
        idea.refresh_from_db()
    assert idea.comment_count == 2


def test_reply_to_a_comment_of_another_idea_is_400(city, challenge, citizen_api):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
        elsewhere = CommentFactory()
    response = citizen_api.post_json(
        f"/api/v1/ideas/{idea.pk}/comments/", {"body": "Hi", "parent": elsewhere.pk}
    )
    assert response.status_code == 400


def test_comment_on_a_closed_challenge_is_403(city, citizen_api):
    with city_context(city):
        idea = IdeaFactory(challenge=ChallengeFactory(phase=Challenge.Phase.CLOSED))
    response = citizen_api.post_json(f"/api/v1/ideas/{idea.pk}/comments/", {"body": "Late"})
    assert response.status_code == 403
    with city_context(city):
        assert Comment.objects.count() == 0


def test_comments_of_other_city_idea_are_404(other_city, citizen_api, anon):
    with city_context(other_city):
        idea = IdeaFactory()
    assert anon.get(f"/api/v1/ideas/{idea.pk}/comments/").status_code == 404
    response = citizen_api.post_json(f"/api/v1/ideas/{idea.pk}/comments/", {"body": "Hi"})
    assert response.status_code == 404


def test_anonymous_cannot_comment(city, challenge, anon):
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
    assert anon.post_json(f"/api/v1/ideas/{idea.pk}/comments/", {"body": "x"}).status_code == 401


def test_platform_host_has_no_api(db, anon):
    from django.test import Client

    assert Client(HTTP_HOST="localhost").get("/api/v1/challenges/").status_code == 404
