"""Sorting the admin's idea and comment lists (issue 17): only the columns
an index serves are sortable, each in its index's order or the exact
reverse; a hand-written ``?o=`` naming any other column, or nothing valid,
gives the default list, never a 500 nor a sort of every idea."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.admin.content.comments import CommentAdmin
from ideas.admin.content.ideas import IdeaAdmin
from ideas.models import Comment, Idea
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory

pytestmark = pytest.mark.django_db

IDEAS = "/admin/ideas/idea/"
COMMENTS = "/admin/ideas/comment/"
DEFAULT = ("-created_at", "-pk")
# The idea list's columns as ?o= numbers them (0 is the row checkbox).
COLUMNS = [
    "title",
    "challenge",
    "status",
    "category",
    "district",
    "support_count",
    "comment_count",
    "report_count",
    "created_at",
]
SORTABLE = {i: name for i, name in enumerate(COLUMNS, start=1) if name in IdeaAdmin.sortable_by}
NOT_SORTABLE = [i for i, name in enumerate(COLUMNS, start=1) if name not in IdeaAdmin.sortable_by]


def _ideas(city) -> list[Idea]:
    """Ideas with repeated counts, statuses and dates: every sort has ties
    that only the tie-break orders."""
    with city_context(city):
        challenge = ChallengeFactory()
        ideas = IdeaFactory.create_batch(14, challenge=challenge)
        now = timezone.now()
        for i, idea in enumerate(ideas):
            Idea.objects.filter(pk=idea.pk).update(
                status=["published", "pending", "hidden"][i % 3],
                support_count=i % 4,
                comment_count=i % 3,
                report_count=i % 2,
                created_at=now - timezone.timedelta(minutes=i % 5),
            )
    return ideas


def _row_ids(html: str) -> list[int]:
    return [int(v) for v in re.findall(rf'name="{ACTION_CHECKBOX_NAME}" value="(\d+)"', html)]


def _ordered(city, model, order) -> list[int]:
    with city_context(city):
        return list(model.objects.order_by(*order).values_list("pk", flat=True))


@pytest.fixture
def moderator(city):
    return client_for(make_member(city, Role.CITY_ADMIN, Role.MODERATOR), city)


def test_the_sortable_columns_are_those_an_index_serves():
    assert IdeaAdmin.sortable_by == [
        "status",
        "support_count",
        "comment_count",
        "report_count",
        "created_at",
    ]
    assert set(IdeaAdmin.sort_orders) == set(IdeaAdmin.sortable_by)
    assert "idea_link" not in CommentAdmin.sortable_by


def test_only_sortable_columns_have_a_sort_link(city, moderator):
    _ideas(city)
    html = moderator.get(IDEAS).content.decode()
    for name in COLUMNS:
        header = re.search(rf'<th scope="col" class="([^"]*)column-{name}\b', html)
        assert header, name
        assert ("sortable" in header.group(1)) == (name in IdeaAdmin.sortable_by), name
    with city_context(city):
        CommentFactory(idea=Idea.objects.first())
    html = moderator.get(COMMENTS).content.decode()
    header = re.search(r'<th scope="col" class="([^"]*)column-idea_link\b', html)
    assert header and "sortable" not in header.group(1)


@pytest.mark.parametrize("index", sorted(SORTABLE))
def test_each_sortable_column_sorts_in_its_index_order_or_the_exact_reverse(city, moderator, index):
    _ideas(city)
    order = IdeaAdmin.sort_orders[SORTABLE[index]]
    expected = _ordered(city, Idea, order)
    # The order as the index holds it is the column's direction ("-" first:
    # most supported first); the other direction is the whole list reversed,
    # tie-breaks included.
    as_given, reverse = (
        (f"-{index}", str(index)) if order[0][0] == "-" else (str(index), f"-{index}")
    )
    for o, ids in ((as_given, expected), (reverse, expected[::-1])):
        response = moderator.get(IDEAS, {"o": o})
        assert response.status_code == 200
        assert _row_ids(response.content.decode()) == ids, o
        assert response.context["cl"].get_ordering_field_columns() == {
            index: "desc" if o.startswith("-") else "asc"
        }


@pytest.mark.parametrize("index", NOT_SORTABLE)
def test_a_column_that_is_not_sortable_in_the_query_gives_the_default_list(city, moderator, index):
    _ideas(city)
    expected = _ordered(city, Idea, DEFAULT)
    for o in (str(index), f"-{index}"):
        response = moderator.get(IDEAS, {"o": o})
        assert response.status_code == 200
        assert _row_ids(response.content.decode()) == expected, o
        # Shown sorted by date, as the default list is.
        assert response.context["cl"].get_ordering_field_columns() == {9: "desc"}


@pytest.mark.parametrize(
    ("o", "sorted_by"),
    [
        ("99", None),
        ("-", None),
        ("--", None),
        ("abc", None),
        ("", None),
        (".", None),
        ("1.2.3", "3"),  # the first sortable column of the list
        ("7.3", "7"),  # one column at a time
        ("--7", "-7"),
        ("7.7", "7"),
        ("\u0663", None),  # an Arabic-Indic 3
        (" 3", None),
        ("99999999999999999999999", None),
        ("-0", None),  # the row checkbox
    ],
)
def test_hostile_sorts_give_a_normal_page(city, moderator, o, sorted_by):
    _ideas(city)
    response = moderator.get(IDEAS, {"o": o})
    assert response.status_code == 200
    cl = response.context["cl"]
    if sorted_by is None:
        assert _row_ids(response.content.decode()) == _ordered(city, Idea, DEFAULT)
        assert "o" not in cl.params
    else:
        assert cl.params["o"] == sorted_by


def test_comments_by_idea_give_the_default_list(city, moderator):
    ideas = _ideas(city)
    with city_context(city):
        for i, idea in enumerate(ideas[:4]):
            CommentFactory(idea=idea, body=f"Comment {i}")
    expected = _ordered(city, Comment, DEFAULT)
    for o in ("2", "-2"):
        response = moderator.get(COMMENTS, {"o": o})
        assert response.status_code == 200
        assert _row_ids(response.content.decode()) == expected


def test_an_evaluator_sorts_by_the_columns_they_see(city):
    """An evaluator's list has no row checkbox (no actions) and no open
    reports column: ``?o=`` numbers the columns of the viewer's own list."""
    _ideas(city)
    evaluator = client_for(make_member(city, Role.EVALUATOR), city)
    with city_context(city):
        public = Idea.objects.public()
        oldest_first = list(public.order_by("created_at", "pk").values_list("pk", flat=True))
        newest_first = list(public.order_by(*DEFAULT).values_list("pk", flat=True))
    columns = evaluator.get(IDEAS).context["cl"].list_display
    assert "action_checkbox" not in columns and "report_count" not in columns
    for o, expected in (
        (columns.index("created_at"), oldest_first),
        (columns.index("title"), newest_first),  # not sortable
    ):
        response = evaluator.get(IDEAS, {"o": str(o)})
        assert response.status_code == 200
        assert [i.pk for i in response.context["cl"].result_list] == expected, o


@pytest.mark.parametrize(
    ("column", "index"),
    [
        ("channel", "idea_admin_offline_idx"),
        ("challenge", "idea_admin_challenge_idx"),
        ("category", "idea_admin_category_idx"),
        ("district", "idea_admin_district_idx"),
    ],
)
def test_each_filter_of_the_idea_list_reads_its_index_newest_first(city, moderator, column, index):
    """Filtering the idea list reads an index of the filtered column newest
    first (issue 17), never the city's newest ideas one by one: an off-line
    channel is a few ideas among 100,000 (72 ms to walk past the others),
    a challenge's ideas may all be years old. The page lists exactly the
    filtered ideas."""
    from django.db import connection

    from tests.ideas.factories import CategoryFactory, DistrictFactory

    staff = make_member(city, Role.MODERATOR)
    with city_context(city):
        challenge, other = ChallengeFactory(), ChallengeFactory()
        category, district = CategoryFactory(), DistrictFactory()
        wanted = {
            "channel": {"channel": "paper", "entered_by": staff},
            "challenge": {},
            "category": {"category": category},
            "district": {"district": district},
        }[column]
        chosen = [IdeaFactory(challenge=challenge, **wanted) for _ in range(3)]
        for _ in range(5):
            IdeaFactory(challenge=other)
        value = {
            "channel": "paper",
            "challenge": challenge.pk,
            "category": category.pk,
            "district": district.pk,
        }[column]
        lookup = f"{column}__exact" if column == "channel" else f"{column}__id__exact"
        html = moderator.get(f"/admin/ideas/idea/?{lookup}={value}")
        assert set(_row_ids(html.content.decode())) == {idea.pk for idea in chosen}
        field = column if column == "channel" else f"{column}_id"
        sql, params = (
            Idea.objects.filter(**{field: value})
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[:50]
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Sort" not in plan, plan


def test_admin_statements_are_planned_for_their_values(moderator):
    """With prepared statements on, an admin request asks PostgreSQL to plan
    each statement for its values (``admin_site.plan_for_values``): a
    generic plan of the district filter read a whole district and sorted
    it. A public page keeps the plan cache's choice."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        pytest.skip("no prepared statements (DATABASE_SERVER_SIDE_BINDING off, PgBouncer)")
    with CaptureQueriesContext(connection) as admin_page:
        assert moderator.get("/admin/ideas/idea/").status_code == 200
    with CaptureQueriesContext(connection) as public_page:
        assert moderator.get("/").status_code == 200
    custom = "set_config('plan_cache_mode', 'force_custom_plan', true)"
    assert any(custom in q["sql"] for q in admin_page.captured_queries)
    assert not any(custom in q["sql"] for q in public_page.captured_queries)
