"""Reads of ideas: what the public sees, filters, sorts, and the queryset
twin of ``rules.can_view_idea``."""

from __future__ import annotations

import pytest

from civicideas.pagination import paginate
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import rules, selectors
from ideas.models import IdeaImage, StatusChange
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


def _keyed(challenge, keys):
    return {key: IdeaFactory(challenge=challenge, shuffle_key=key).pk for key in keys}


def test_random_order_is_a_rotation_starting_at_the_seed(challenge):
    ideas = _keyed(challenge, [10, 20, 30, 40, 50])
    IdeaFactory(challenge=challenge, shuffle_key=25, status=IdeaStatus.HIDDEN)

    def order(seed):
        return list(
            selectors.idea_list(challenge=challenge, seed=seed).values_list("pk", flat=True)
        )

    assert order(25) == [ideas[k] for k in (30, 40, 50, 10, 20)]
    assert order(30) == [ideas[k] for k in (30, 40, 50, 10, 20)]  # a key equal to the seed leads
    assert order(0) == [ideas[k] for k in (10, 20, 30, 40, 50)]
    assert order(51) == [ideas[k] for k in (10, 20, 30, 40, 50)]
    assert order(25) == order(25)


def test_random_order_is_stable_per_seed_and_differs_between_seeds(challenge):
    for _ in range(30):
        IdeaFactory(challenge=challenge)

    def order(seed):
        return list(
            selectors.idea_list(challenge=challenge, seed=seed).values_list("pk", flat=True)
        )

    seeds = (1, 2**29, 2**30, 3 * 2**29, 2**31 - 2)
    orders = [order(seed) for seed in seeds]
    assert all(order(seed) == o for seed, o in zip(seeds, orders, strict=True))
    assert all(sorted(o) == sorted(orders[0]) for o in orders)
    # Different visitors start at different ideas (30 random keys leave a
    # gap of a quarter of the key space with probability about 1e-4).
    assert len({o[0] for o in orders}) >= 3


def test_random_order_does_not_follow_age_or_pk(challenge):
    ideas = [IdeaFactory(challenge=challenge) for _ in range(20)]
    pks = [i.pk for i in ideas]
    got = list(selectors.idea_list(challenge=challenge, seed=4242).values_list("pk", flat=True))
    assert got != pks and got != pks[::-1]


def _all_pages(per_page=4, **kwargs):
    seen, number = [], 1
    while True:
        page = selectors.challenge_page(page=number, per_page=per_page, **kwargs)
        seen.extend(idea.pk for idea in page.items)
        if not page.has_next:
            return seen, page
        number += 1


@pytest.mark.parametrize("seed", [0, 1, 777_777_777, 2**30, 2**31 - 1])
def test_random_pages_list_every_idea_once_in_the_queryset_order(challenge, seed):
    ideas = [IdeaFactory(challenge=challenge) for _ in range(17)]
    IdeaFactory(challenge=challenge, shuffle_key=ideas[0].shuffle_key)  # a tie
    IdeaFactory(challenge=challenge, status=IdeaStatus.PENDING)
    expected = list(
        selectors.idea_list(challenge=challenge, seed=seed).values_list("pk", flat=True)
    )
    seen, last = _all_pages(challenge=challenge, seed=seed)
    assert seen == expected
    assert len(seen) == len(set(seen)) == 18
    assert last.number == 5 and last.total == 18 and last.num_pages == 5


@pytest.mark.parametrize("sort", ["newest", "most_supported", "most_discussed"])
def test_sorted_pages_match_the_queryset_order(challenge, sort):
    for n in range(11):
        IdeaFactory(challenge=challenge, support_count=n % 3, comment_count=n % 4)
    expected = list(
        selectors.idea_list(challenge=challenge, sort=sort).values_list("pk", flat=True)
    )
    seen, last = _all_pages(challenge=challenge, sort=sort)
    assert seen == expected
    assert last.total == 11


def test_paginate_pages_and_totals(challenge, django_assert_num_queries):
    for _ in range(7):
        IdeaFactory(challenge=challenge)
    ideas = selectors.idea_list(challenge=challenge, sort="newest")
    with django_assert_num_queries(2):  # the page, then the count
        page = paginate(ideas, page=2, per_page=3)
    assert page.total == 7
    assert page.num_pages == 3
    assert len(page.items) == 3
    assert page.has_previous and page.has_next
    assert (page.start_index, page.end_index) == (4, 6)
    with django_assert_num_queries(1):  # the last page knows the total
        last = paginate(ideas, page=3, per_page=3)
    assert last.total == 7 and not last.has_next and len(last.items) == 1
    past = paginate(ideas, page=9, per_page=3)
    assert past.items == [] and past.total == 7


def test_page_queries_have_no_window_and_the_count_is_cached(challenge, django_assert_num_queries):
    """``COUNT(*) OVER ()`` made every page read the whole list; the total is
    now a separate count, reused for a while."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(9):
        IdeaFactory(challenge=challenge)
    with CaptureQueriesContext(connection) as captured:
        page = selectors.challenge_page(challenge=challenge, sort="newest", page=1, per_page=4)
    assert page.total == 9 and page.has_next
    assert len(captured) == 4  # ids, ideas, their thumbnails, count
    assert not any(" OVER " in q["sql"].upper() for q in captured.captured_queries)
    assert "LIMIT 5" in captured.captured_queries[0]["sql"]
    IdeaFactory(challenge=challenge)
    with django_assert_num_queries(3):  # the count comes from the cache
        again = selectors.challenge_page(challenge=challenge, sort="newest", page=1, per_page=4)
    assert again.total == 9  # up to COUNT_CACHE_SECONDS old...
    last = selectors.challenge_page(challenge=challenge, sort="newest", page=3, per_page=4)
    assert last.total == 10 and not last.has_next  # ...but never contradicting the page


def test_a_new_filter_or_query_has_its_own_count(challenge):
    cat = CategoryFactory()
    for n in range(6):
        IdeaFactory(challenge=challenge, category=cat if n % 2 else None)
    everything = selectors.challenge_page(challenge=challenge, page=1, per_page=2)
    in_cat = selectors.challenge_page(challenge=challenge, category=cat, page=1, per_page=2)
    assert (everything.total, in_cat.total) == (6, 3)


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("newest", "idea_public_newest_idx"),
        ("most_supported", "idea_public_supported_idx"),
        ("most_discussed", "idea_public_discussed_idx"),
        ("random", "idea_public_shuffle_idx"),
    ],
)
def test_a_deep_page_is_an_ordered_index_scan(challenge, sort, index):
    """The partial index serves the order (no Sort node) although the query
    asks for seven statuses: PostgreSQL proves the index predicate from the
    same IN list. Sorting is priced out because a test table is tiny (a
    sort would win); without an index that serves the order the plan would
    still hold a Sort."""
    from django.db import connection

    for _ in range(30):
        IdeaFactory(challenge=challenge)
    ideas = selectors.idea_list(challenge=challenge, sort=sort, seed=2**30)
    if sort == "random":
        ids = selectors._rotation_ids(ideas, seed=2**30, offset=3980, limit=21)
        assert ids == []
        sql, params = (
            ideas.order_by()
            .filter(shuffle_key__gte=2**30)
            .order_by("shuffle_key", "pk")
            .values_list("pk", flat=True)[3980:4001]
            .query.sql_with_params()
        )
    else:
        sql, params = ideas.values_list("pk", flat=True)[3980:4001].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Sort" not in plan, plan
    assert "OFFSET" not in sql.upper() or "3980" in sql


def test_participation_counts_ignore_non_public(challenge):
    IdeaFactory(challenge=challenge, support_count=3, comment_count=2)
    IdeaFactory(challenge=challenge, support_count=5, comment_count=1)
    IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN, support_count=50, comment_count=9)
    IdeaFactory(challenge=challenge, status=IdeaStatus.PENDING, support_count=7)
    assert selectors.participation_counts() == {"ideas": 2, "supports": 8, "comments": 3}


def test_participation_counts_are_cached_per_city(challenge, other_city, django_assert_num_queries):
    IdeaFactory(challenge=challenge, support_count=3)
    assert selectors.participation_counts()["ideas"] == 1
    IdeaFactory(challenge=challenge)
    with django_assert_num_queries(0):
        assert selectors.participation_counts()["ideas"] == 1  # cached for a minute
    with city_context(other_city):
        assert selectors.participation_counts() == {"ideas": 0, "supports": 0, "comments": 0}


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


def test_cards_get_each_ideas_first_image_in_one_query(challenge, django_assert_num_queries):
    """The cards' thumbnails: the image with the lowest position, for any
    number of ideas in one query; None for an idea without images."""
    ideas = [IdeaFactory(challenge=challenge) for _ in range(3)]
    for n, position in enumerate((2, 0, 1)):
        IdeaImage.objects.create(
            city=challenge.city, idea=ideas[0], image=f"ideas/x{n}.jpg", position=position
        )
    IdeaImage.objects.create(city=challenge.city, idea=ideas[1], image="ideas/only.jpg")
    with django_assert_num_queries(1):
        selectors.with_thumbnails(ideas)
    assert ideas[0].thumbnail.image.name == "ideas/x1.jpg"
    assert ideas[1].thumbnail.image.name == "ideas/only.jpg"
    assert ideas[2].thumbnail is None
    with django_assert_num_queries(0):
        assert selectors.with_thumbnails([]) == []
