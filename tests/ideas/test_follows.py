"""Following new challenges: choosing what to follow, and the one
``challenge_opened`` notification each follower gets when a challenge opens
(from the admin, where the categories decide who hears)."""

from __future__ import annotations

import pytest
from django.test import Client

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import follows
from ideas.models import Challenge, Follow
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    FollowFactory,
    challenge_data,
)

pytestmark = pytest.mark.django_db


def opened(city) -> dict[int, Notification]:
    """The challenge_opened notifications of a city, by recipient."""
    with city_context(city):
        rows = list(Notification.objects.filter(kind="challenge_opened"))
    recipients = [n.recipient_id for n in rows]
    assert len(recipients) == len(set(recipients)), "someone was told twice"
    return {n.recipient_id: n for n in rows}


def opened_at(city, challenge):
    with city_context(city):
        return Challenge.objects.get(pk=challenge.pk).announced_at


@pytest.fixture
def parks(city):
    with city_context(city):
        return CategoryFactory(name="Parks", slug="parks")


@pytest.fixture
def mobility(city):
    with city_context(city):
        return CategoryFactory(name="Mobility", slug="mobility")


# --- choosing what to follow -------------------------------------------------------


def test_follows_set_replaces_the_choice(city, parks, mobility):
    user = make_member(city)
    with city_context(city):
        follows.follows_set(user=user, city_wide=True, category_ids=[str(parks.pk)])
        assert follows.following_of(user) == follows.Following(True, frozenset({parks.pk}))
        follows.follows_set(user=user, city_wide=False, category_ids=[mobility.pk])
        assert follows.following_of(user) == follows.Following(False, frozenset({mobility.pk}))
        # Saving the same choice again changes nothing (no duplicate rows).
        follows.follows_set(user=user, city_wide=False, category_ids=[mobility.pk])
        assert Follow.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("bad", ["not-a-number", None, "999999"])
def test_a_tampered_category_refuses_the_whole_choice(city, parks, bad):
    user = make_member(city)
    with city_context(city):
        FollowFactory(user=user, category=parks)
        with pytest.raises(InvalidInput):
            follows.follows_set(user=user, city_wide=True, category_ids=[parks.pk, bad])
        assert follows.following_of(user) == follows.Following(False, frozenset({parks.pk}))


def test_another_citys_category_cannot_be_followed(city, other_city):
    user = make_member(city)
    with city_context(other_city):
        theirs = CategoryFactory()
    with city_context(city):
        with pytest.raises(InvalidInput):
            follows.follows_set(user=user, city_wide=False, category_ids=[theirs.pk])
        assert not Follow.objects.exists()


def test_anonymous_and_inactive_people_cannot_follow(city):
    from django.contrib.auth.models import AnonymousUser

    inactive = make_member(city, is_active=False)
    with city_context(city):
        for user in (AnonymousUser(), inactive):
            with pytest.raises(NotAllowed):
                follows.follows_set(user=user, city_wide=True, category_ids=[])
        assert not Follow.objects.exists()


def test_follow_city_keeps_the_categories(city, parks):
    user = make_member(city)
    with city_context(city):
        FollowFactory(user=user, category=parks)
        follows.follow_city(user=user, follow=True)
        assert follows.following_of(user) == follows.Following(True, frozenset({parks.pk}))
        follows.follow_city(user=user, follow=False)
        assert follows.following_of(user) == follows.Following(False, frozenset({parks.pk}))


# --- the announcement ----------------------------------------------------------------


def test_followers_of_the_city_and_of_its_categories_hear_once(city, other_city, parks, mobility):
    city_follower, parks_follower, both, mobility_follower, gone = (
        make_member(city) for _ in range(5)
    )
    lakeside_follower = make_member(other_city)
    with city_context(other_city):
        FollowFactory(user=lakeside_follower)
    with city_context(city):
        FollowFactory(user=city_follower)
        FollowFactory(user=parks_follower, category=parks)
        FollowFactory(user=both)
        FollowFactory(user=both, category=parks)
        FollowFactory(user=mobility_follower, category=mobility)
        FollowFactory(user=gone)
        gone.is_active = False
        gone.save()
        challenge = ChallengeFactory(title="Shady parks", slug="shady", summary="Trees!")
        challenge.categories.set([parks])
        assert follows.challenge_announce(challenge=challenge) == 3
    told = opened(city)
    assert set(told) == {city_follower.pk, parks_follower.pk, both.pk}
    note = told[both.pk]
    assert note.subject_ref == f"ideas.challenge:{challenge.pk}"
    assert note.payload == {"title": "Shady parks", "slug": "shady", "summary": "Trees!"}
    assert opened(other_city) == {}


def test_a_challenge_is_announced_once(city):
    follower = make_member(city)
    with city_context(city):
        FollowFactory(user=follower)
        challenge = ChallengeFactory()
        assert follows.challenge_announce(challenge=challenge) == 1
        assert challenge.announced_at is not None
        # Closed and reopened, or saved again: nobody is told twice.
        Challenge.objects.filter(pk=challenge.pk).update(phase=Challenge.Phase.DRAFT)
        Challenge.objects.filter(pk=challenge.pk).update(phase=Challenge.Phase.IDEAS)
        assert follows.challenge_announce(challenge=challenge) == 0
    assert list(opened(city)) == [follower.pk]


@pytest.mark.parametrize(
    "phase",
    [Challenge.Phase.DRAFT, Challenge.Phase.SUPPORTS, Challenge.Phase.CLOSED],
)
def test_only_a_challenge_open_for_ideas_is_announced(city, phase):
    with city_context(city):
        FollowFactory(user=make_member(city))
        challenge = ChallengeFactory(phase=phase)
        assert follows.challenge_announce(challenge=challenge) == 0
        assert Challenge.objects.get(pk=challenge.pk).announced_at is None
    assert opened(city) == {}


def test_the_notification_reads_and_links_to_the_challenge(city):
    from civicideas.notifications.kinds import KINDS

    follower = make_member(city)
    with city_context(city):
        FollowFactory(user=follower)
        follows.challenge_announce(challenge=ChallengeFactory(title="Quiet streets", slug="quiet"))
    note = opened(city)[follower.pk]
    kind = KINDS["challenge_opened"]
    assert kind.text(note.payload) == "A new challenge is open for ideas: “Quiet streets”."
    assert kind.link(note) == "/challenges/quiet/"


# --- the admin ------------------------------------------------------------------------


def test_adding_an_open_challenge_in_the_admin_tells_its_categories_followers(
    city, parks, mobility
):
    admin = make_member(city, Role.CITY_ADMIN)
    parks_follower, mobility_follower = make_member(city), make_member(city)
    with city_context(city):
        FollowFactory(user=parks_follower, category=parks)
        FollowFactory(user=mobility_follower, category=mobility)
    client = client_for(admin, city)
    response = client.post(
        "/admin/ideas/challenge/add/", challenge_data(categories=[parks.pk]), follow=True
    )
    assert response.status_code == 200
    assert "1 follower will hear that this challenge is open." in response.content.decode()
    # The categories were saved before the audience was read.
    assert set(opened(city)) == {parks_follower.pk}


def test_opening_a_draft_in_the_admin_announces_it_once(city, parks):
    admin = make_member(city, Role.CITY_ADMIN)
    follower = make_member(city)
    with city_context(city):
        FollowFactory(user=follower)
        draft = ChallengeFactory(phase=Challenge.Phase.DRAFT, slug="draft")
    client = client_for(admin, city)
    url = f"/admin/ideas/challenge/{draft.pk}/change/"
    assert client.post(url, challenge_data(draft, slug="draft", phase="draft")).status_code == 302
    assert opened(city) == {}
    for _ in range(2):  # opened, then saved again
        assert client.post(url, challenge_data(draft, slug="draft")).status_code == 302
    assert list(opened(city)) == [follower.pk]
    # The form shows when it was announced, and a posted value cannot change it.
    page = client.get(url)
    assert "Opening announced" in page.content.decode()
    announced = opened_at(city, draft)
    client.post(url, challenge_data(draft, slug="draft", announced_at_0="2020-01-01"))
    assert opened_at(city, draft) == announced


def test_an_invalid_admin_form_announces_nothing(city):
    admin = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        FollowFactory(user=make_member(city))
    response = client_for(admin, city).post(
        "/admin/ideas/challenge/add/", challenge_data(report_hide_threshold="0")
    )
    assert response.status_code == 200
    assert opened(city) == {}


def test_category_admin_counts_this_citys_followers(city, other_city, parks, mobility):
    admin = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        for _ in range(3):
            FollowFactory(category=parks)
        FollowFactory()  # the whole city: not a category's follower
    with city_context(other_city):
        lakeside_parks = CategoryFactory(name="Parks", slug="parks")
        FollowFactory(category=lakeside_parks)
    response = client_for(admin, city).get("/admin/ideas/category/?o=3")
    assert response.status_code == 200
    counts = {c.name: c.followers for c in response.context["cl"].result_list}
    assert counts == {"Parks": 3, "Mobility": 0}


# --- the pages -------------------------------------------------------------------------


def test_follow_page_needs_a_sign_in_and_a_city(city):
    response = Client(HTTP_HOST=host_of(city)).get("/me/follows/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client(HTTP_HOST="platform.localhost").get("/me/follows/").status_code == 404


def test_follow_page_saves_the_choice(city, parks, mobility):
    user = make_member(city)
    client = client_for(user, city)
    page = client.get("/me/follows/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'for="follow-city"' in body and f'for="follow-category-{parks.pk}"' in body
    response = client.post("/me/follows/", {"city": "on", "category": [parks.pk]}, follow=True)
    assert "Your choice of new challenges is saved." in response.content.decode()
    with city_context(city):
        assert follows.following_of(user) == follows.Following(True, frozenset({parks.pk}))
    assert 'id="follow-city" name="city" checked' in response.content.decode()


def test_follow_page_refuses_a_tampered_form_and_keeps_the_old_choice(city, other_city, parks):
    user = make_member(city)
    with city_context(other_city):
        theirs = CategoryFactory(name="Lakeside harbour")
    with city_context(city):
        FollowFactory(user=user, category=parks)
    client = client_for(user, city)
    for bad in (theirs.pk, "drop table", "-1"):
        response = client.post("/me/follows/", {"city": "on", "category": [bad]})
        assert response.status_code == 400
        assert "Choose among this city&#x27;s categories." in response.content.decode()
    with city_context(city):
        assert follows.following_of(user) == follows.Following(False, frozenset({parks.pk}))


def test_city_home_button_follows_and_unfollows(city):
    user = make_member(city)
    client = client_for(user, city)
    home = client.get("/").content.decode()
    assert "Tell me when a new challenge opens" in home
    response = client.post("/follow/", {"follow": "1"}, follow=True)
    assert "We will tell you when a new challenge opens." in response.content.decode()
    assert "Stop following new challenges" in response.content.decode()
    with city_context(city):
        assert follows.following_of(user).city_wide
    client.post("/follow/", {"follow": "0"})
    with city_context(city):
        assert not follows.following_of(user).anything


def test_anonymous_visitors_are_asked_to_sign_in(city):
    client = Client(HTTP_HOST=host_of(city))
    assert "Sign in to hear when a new challenge opens" in client.get("/").content.decode()
    response = client.post("/follow/", {"follow": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with city_context(city):
        assert not Follow.objects.exists()


def test_follow_page_query_count_does_not_grow_with_categories(city, django_assert_max_num_queries):
    user = make_member(city)
    client = client_for(user, city)
    with city_context(city):
        CategoryFactory()
    with django_assert_max_num_queries(16) as few:
        client.get("/me/follows/")
    with city_context(city):
        for _ in range(20):
            follows.follows_set(
                user=user,
                city_wide=True,
                category_ids=[CategoryFactory().pk, *follows.following_of(user).category_ids],
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/me/follows/")
