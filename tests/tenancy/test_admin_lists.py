"""The city admins' change lists at scale (issue 17): 50 rows a page, the
page's rows chosen on their ids (the same rows and order as Django's own
paging), wide columns left out of the displayed rows only, and the row
checkbox that the actions script needs."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicideas.tenancy import city_context
from civicideas.tenancy.admin_mixins import CachedCountPaginator, CityScopedAdmin
from civicideas.tenancy.permissions import roles_in_current_city
from civicideas.tenancy.roles import Role
from ideas.models import Comment, Idea
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory

pytestmark = pytest.mark.django_db

IDEAS = "/admin/ideas/idea/"


def _ideas(city, count: int) -> list[Idea]:
    """``count`` ideas with repeated support counts and titles, so that
    every sort has ties that only the tie-break orders."""
    with city_context(city):
        challenge = ChallengeFactory()
        ideas = IdeaFactory.create_batch(count, challenge=challenge)
        now = timezone.now()
        for i, idea in enumerate(ideas):
            Idea.objects.filter(pk=idea.pk).update(
                support_count=i % 4,
                comment_count=i % 3,
                title=f"Idea {i % 5}",
                created_at=now - timezone.timedelta(minutes=i % 7),
            )
    return ideas


def _row_ids(html: str) -> list[int]:
    return [int(v) for v in re.findall(rf'name="{ACTION_CHECKBOX_NAME}" value="(\d+)"', html)]


def test_city_admins_show_50_rows_a_page(city):
    assert CityScopedAdmin.list_per_page == 50
    _ideas(city, 55)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    first = client.get(IDEAS).content.decode()
    second = client.get(IDEAS + "?p=2").content.decode()
    assert len(_row_ids(first)) == 50
    assert len(_row_ids(second)) == 5
    assert not set(_row_ids(first)) & set(_row_ids(second))


@pytest.mark.parametrize(
    "ordering",
    [
        ["-created_at", "-pk"],
        ["title", "-created_at", "-pk"],
        ["-support_count", "-created_at", "-pk"],
        ["support_count", "-created_at", "-pk"],
        ["status", "-created_at", "-pk"],
        ["challenge__created_at", "-created_at", "-pk"],
        ["-comment_count", "title", "-pk"],
    ],
)
def test_pages_chosen_on_ids_are_the_pages_django_would_show(city, ordering):
    ideas = _ideas(city, 23)
    with city_context(city):
        queryset = Idea.objects.select_related("challenge").order_by(*ordering)
        late = CachedCountPaginator(queryset, 5, defer=["body"])
        plain = Paginator(queryset, 5)
        for number in plain.page_range:
            rows = list(late.page(number).object_list)
            assert [r.pk for r in rows] == [r.pk for r in plain.page(number).object_list]
            assert all("body" in r.get_deferred_fields() for r in rows)
        assert sum(len(late.page(n).object_list) for n in late.page_range) == len(ideas)


def test_pages_of_querysets_it_cannot_rewrite_are_paged_as_django_does(city):
    _ideas(city, 7)
    with city_context(city):
        distinct = Idea.objects.order_by("title").distinct("title")
        page = CachedCountPaginator(distinct, 3, defer=["body"]).page(1)
        assert [i.title for i in page.object_list] == ["Idea 0", "Idea 1", "Idea 2"]
        values = Idea.objects.order_by("-pk").values("pk", "title")
        rows = list(CachedCountPaginator(values, 3).page(1).object_list)
        assert rows == list(values[:3])


def test_change_list_rows_leave_wide_columns_out_and_actions_get_whole_objects(city):
    # More than a page: a list of one page is read as Django does (small).
    ideas = _ideas(city, 51)
    with city_context(city):
        for i in range(51):
            CommentFactory(idea=ideas[0], body=f"Comment {i}")
    client = client_for(make_member(city, Role.CITY_ADMIN, Role.MODERATOR), city)
    response = client.get(IDEAS)
    rows = response.context["cl"].result_list
    assert {"body", "search_vector"} <= rows[0].get_deferred_fields()
    response = client.get("/admin/ideas/comment/")
    comment = response.context["cl"].result_list[0]
    assert "body" not in comment.get_deferred_fields()  # the list shows it
    assert "body" in comment.idea.get_deferred_fields()
    # An action posted from the list acts on whole objects (the services
    # read what they need); hiding needs a reason and records it.
    response = client.post(
        IDEAS,
        {"action": "hide_ideas", ACTION_CHECKBOX_NAME: [ideas[1].pk], "reason": "Off topic"},
    )
    assert response.status_code == 302
    with city_context(city):
        idea = Idea.objects.get(pk=ideas[1].pk)
    assert idea.hidden_reason == "Off topic"
    assert idea.body == ideas[1].body


def test_row_checkbox_is_the_markup_the_actions_script_expects(city):
    idea = _ideas(city, 1)[0]
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    html = client.get(IDEAS).content.decode()
    assert (
        f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{idea.pk}" '
        f'class="action-select" aria-label="Select this object for an action - Idea 0">'
    ) in html
    assert 'id="action-toggle"' in html


def test_every_city_admin_shares_the_paging_and_the_checkbox():
    scoped = [
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, CityScopedAdmin)
    ]
    assert scoped
    for model_admin in scoped:
        assert issubclass(model_admin.paginator, CachedCountPaginator), type(model_admin)
        for name in model_admin.list_defer:
            # Every deferred column exists (a typo would fail only at runtime).
            model = model_admin.model
            *path, field = name.split("__")
            for part in path:
                model = model._meta.get_field(part).related_model
            model._meta.get_field(field)


def test_roles_are_read_once_for_request_user_and_the_user_it_wraps(city):
    from django.utils.functional import SimpleLazyObject

    user = make_member(city, Role.CITY_ADMIN)
    lazy = SimpleLazyObject(lambda: user)
    with city_context(city), CaptureQueriesContext(connection) as queries:
        assert Role.CITY_ADMIN in roles_in_current_city(lazy)
        assert Role.CITY_ADMIN in roles_in_current_city(user)
        assert user.is_staff
    assert len([q for q in queries if "tenancy_membership" in q["sql"]]) == 1


def test_comment_list_pages_and_searches(city):
    ideas = _ideas(city, 2)
    with city_context(city):
        for i in range(60):
            CommentFactory(idea=ideas[i % 2], body=f"Comment {i}")
        assert Comment.objects.count() == 60
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    assert len(_row_ids(client.get("/admin/ideas/comment/?p=2").content.decode())) == 10
    found = _row_ids(client.get("/admin/ideas/comment/?q=Comment+5").content.decode())
    # Each word must appear: 5, 15, 25, 35, 45 and 50 to 59.
    assert len(found) == 15


def test_history_pages_of_lists_with_deferred_columns_open(city):
    """The history page pages log entries through the admin's paginator:
    the list's deferred columns (``list_defer``) are not theirs (a 500 on
    the comment and idea histories before)."""
    ideas = _ideas(city, 1)
    with city_context(city):
        comment = CommentFactory(idea=ideas[0])
    client = client_for(make_member(city, Role.CITY_ADMIN, Role.MODERATOR), city)
    for url in (f"{IDEAS}{ideas[0].pk}/history/", f"/admin/ideas/comment/{comment.pk}/history/"):
        assert client.get(url).status_code == 200, url
