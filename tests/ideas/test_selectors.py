"""Reads of ideas: what the public sees, filters, sorts, and the queryset
twin of ``rules.can_view_idea``."""

from __future__ import annotations

import pytest

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import rules, selectors
from ideas.models import StatusChange
from ideas.status import PUBLIC_STATUSES, IdeaStatus
from tests.conftest import make_member
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    DistrictFactory,
    IdeaFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(city):
    with city_context(city):
        yield city


@pytest.fixture
def challenge(ctx):
    return ChallengeFactory(slug="green")


def test_public_ideas_only_public_statuses(challenge):
    ideas = {s: IdeaFactory(challenge=challenge, status=s) for s in IdeaStatus.values}
    public = set(selectors.public_ideas().values_list("pk", flat=True))
    assert public == {ideas[s].pk for s in PUBLIC_STATUSES}


@pytest.mark.parametrize("role", ["anonymous", "author", "citizen", "moderator", "city_admin"])
def test_visible_ideas_agrees_with_can_view_idea(ctx, challenge, role):
    from django.contrib.auth.models import AnonymousUser

    author = make_member(ctx)
    ideas = [IdeaFactory(challenge=challenge, author=author, status=s) for s in IdeaStatus.values]
    user = {
        "anonymous": AnonymousUser(),
        "author": author,
        "citizen": make_member(ctx),
        "moderator": make_member(ctx, Role.MODERATOR),
        "city_admin": make_member(ctx, Role.CITY_ADMIN),
    }[role]
    visible = set(selectors.visible_ideas(user).values_list("pk", flat=True))
    for idea in ideas:
        assert (idea.pk in visible) == rules.can_view_idea(user, idea), (role, idea.status)


def test_visible_ideas_of_other_city_user(ctx, challenge, other_city):
    stranger = make_member(other_city, Role.MODERATOR)
    hidden = IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN)
    assert hidden not in selectors.visible_ideas(stranger)


def test_filters(challenge):
    cat, other_cat = CategoryFactory(), CategoryFactory()
    district = DistrictFactory()
    a = IdeaFactory(challenge=challenge, category=cat, district=district)
    b = IdeaFactory(challenge=challenge, category=other_cat, status=IdeaStatus.ACCEPTED)
    IdeaFactory(challenge=challenge, category=cat, status=IdeaStatus.HIDDEN)
    IdeaFactory(challenge=ChallengeFactory(), category=cat)
    assert list(selectors.idea_list(challenge=challenge, category=cat.pk)) == [a]
    assert list(selectors.idea_list(challenge=challenge, district=district)) == [a]
    assert list(selectors.idea_list(challenge=challenge, status=IdeaStatus.ACCEPTED)) == [b]
    # A status the public does not see filters to nothing, never reveals.
    assert list(selectors.idea_list(challenge=challenge, status=IdeaStatus.HIDDEN)) == []
    assert set(selectors.idea_list(challenge=challenge)) == {a, b}


def test_sorts(challenge):
    quiet = IdeaFactory(challenge=challenge, support_count=1, comment_count=9)
    loved = IdeaFactory(challenge=challenge, support_count=8, comment_count=0)
    newest = IdeaFactory(challenge=challenge, support_count=0, comment_count=3)
    assert list(selectors.idea_list(challenge=challenge, sort="newest")) == [newest, loved, quiet]
    assert selectors.idea_list(challenge=challenge, sort="most_supported").first() == loved
    assert list(selectors.idea_list(challenge=challenge, sort="most_discussed")) == [
        quiet,
        newest,
        loved,
    ]


def test_random_order_is_stable_per_seed_and_differs_between_seeds(challenge):
    for _ in range(30):
        IdeaFactory(challenge=challenge)

    def order(seed):
        return list(
            selectors.idea_list(challenge=challenge, seed=seed).values_list("pk", flat=True)
        )

    first = order(12345)
    assert first == order(12345)
    others = [order(seed) for seed in (1, 2, 987654, 2**31 - 1)]
    assert all(sorted(o) == sorted(first) for o in others)
    assert all(o != first for o in others)
    # Different visitors see different ideas first: fairness of the shuffle.
    assert len({o[0] for o in [first, *others]}) >= 3


def test_random_order_does_not_follow_age_or_pk(challenge):
    ideas = [IdeaFactory(challenge=challenge) for _ in range(20)]
    pks = [i.pk for i in ideas]
    got = list(selectors.idea_list(challenge=challenge, seed=4242).values_list("pk", flat=True))
    assert got != pks and got != pks[::-1]


def test_paginate_counts_in_the_same_query(challenge, django_assert_num_queries):
    for _ in range(7):
        IdeaFactory(challenge=challenge)
    ideas = selectors.idea_list(challenge=challenge, sort="newest")
    with django_assert_num_queries(1):
        page = selectors.paginate(ideas, page=2, per_page=3)
    assert page.total == 7
    assert page.num_pages == 3
    assert len(page.items) == 3
    assert page.has_previous and page.has_next
    assert (page.start_index, page.end_index) == (4, 6)
    past = selectors.paginate(ideas, page=9, per_page=3)
    assert past.items == [] and past.total == 7


def test_participation_counts_ignore_non_public(challenge):
    IdeaFactory(challenge=challenge, support_count=3, comment_count=2)
    IdeaFactory(challenge=challenge, support_count=5, comment_count=1)
    IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN, support_count=50, comment_count=9)
    IdeaFactory(challenge=challenge, status=IdeaStatus.PENDING, support_count=7)
    assert selectors.participation_counts() == {"ideas": 2, "supports": 8, "comments": 3}


def test_home_lists(ctx, challenge):
    draft = ChallengeFactory(phase="draft")
    closed = ChallengeFactory(phase="closed")
    IdeaFactory(challenge=draft, support_count=100)
    top = IdeaFactory(challenge=challenge, support_count=10)
    hidden = IdeaFactory(challenge=challenge, support_count=99, status=IdeaStatus.HIDDEN)
    assert challenge in selectors.open_challenges()
    assert draft not in selectors.open_challenges()
    assert closed not in selectors.open_challenges()
    assert selectors.top_ideas(sort="most_supported")[0] == top
    assert hidden not in selectors.top_ideas(sort="newest")
    officer = make_member(ctx, Role.MODERATOR)
    StatusChange.objects.create(
        city=ctx, idea=top, to_status="accepted", changed_by=officer, is_official=True
    )
    StatusChange.objects.create(
        city=ctx, idea=hidden, to_status="accepted", changed_by=officer, is_official=True
    )
    answers = selectors.recent_official_answers()
    assert [a.idea for a in answers] == [top]


def test_filter_options_fall_back_to_city_lists(challenge):
    cat_a, cat_b = CategoryFactory(), CategoryFactory()
    district = DistrictFactory()
    assert selectors.challenge_filter_options(challenge) == ([cat_a, cat_b], [district])
    challenge.categories.add(cat_b)
    categories, districts = selectors.challenge_filter_options(challenge)
    assert categories == [cat_b]
    assert districts == [district]
