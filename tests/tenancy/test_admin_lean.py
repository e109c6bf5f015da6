"""The admin's lighter pieces (issue 17): rows written in one pass
(``admin_rows``) give exactly Django's markup; the app list and sidebar kept
per viewer kind (``admin_nav``) never show another role's links and mark
the current page; the related filters' choices (``CachedChoicesFilter``)
are the city's own and follow the admin's changes; the moderation queue's
rows (cached by content) follow every change."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from civicideas.tenancy import admin_nav, admin_pages, city_context
from civicideas.tenancy.roles import Role
from civicideas.tenancy.templatetags import city_admin_list
from ideas.models import Category, Idea, Report
from tests.conftest import client_for, make_member
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
)

pytestmark = pytest.mark.django_db

IDEAS = "/admin/ideas/idea/"
HOSTILE = "<b>Bold</b> & \"quoted\" 'single' {braces}"


@pytest.fixture(autouse=True)
def _fresh_nav():
    admin_nav.forget()
    yield
    admin_nav.forget()


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def _world(city):
    with city_context(city):
        category, district = CategoryFactory(name=HOSTILE), DistrictFactory()
        challenge = ChallengeFactory(title=HOSTILE)
        ideas = [
            IdeaFactory(challenge=challenge, title=f"{HOSTILE} {i}", category=category)
            for i in range(3)
        ] + [IdeaFactory(challenge=challenge, district=district, status="pending")]
        CommentFactory(idea=ideas[0], body=HOSTILE)
    return challenge, category, ideas


@pytest.mark.parametrize(
    "url",
    [
        IDEAS,
        IDEAS + "?o=2.-5&status__exact=pending",
        IDEAS + "?q=Bold",
        IDEAS + "?category__id__exact=CATEGORY",
        "/admin/ideas/comment/",
        "/admin/ideas/challenge/",
        "/admin/ideas/category/",
        "/admin/tenancy/membership/",
    ],
)
def test_lean_rows_are_djangos_rows(city, monkeypatch, url):
    _challenge, category, _ideas = _world(city)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    url = url.replace("CATEGORY", str(category.pk))
    lean = _page(client, url)
    monkeypatch.setattr(city_admin_list, "lean_rows_apply", lambda cl: False)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    django = _page(client, url)
    assert lean == django
    assert "<b>Bold</b>" not in lean.split('id="result_list"')[-1]


def test_row_links_keep_the_filters_and_the_checkbox_its_markup(city):
    _challenge, _category, ideas = _world(city)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    idea = ideas[0]
    html = _page(client, IDEAS + f"?status__exact={idea.status}&o=6")
    filters = f"status__exact%3D{idea.status}%26o%3D6"
    assert f'href="/admin/ideas/idea/{idea.pk}/change/?_changelist_filters={filters}"' in html
    assert (
        f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{idea.pk}" '
        'class="action-select" aria-label="Select this object for an action - '
    ) in html


def _sidebar(html: str) -> str:
    return html.split('<nav class="sticky" id="nav-sidebar"', 1)[1].split("</nav>", 1)[0]


def test_sidebar_is_djangos_and_marks_the_current_page(city, monkeypatch):
    _world(city)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    for _ in range(2):  # the second time from the memo
        ideas = _sidebar(_page(client, IDEAS))
        comments = _sidebar(_page(client, "/admin/ideas/comment/"))
    assert '<a href="/admin/ideas/idea/" aria-current="page">' in ideas
    assert '<a href="/admin/ideas/comment/" aria-current="page">' not in ideas
    assert '<a href="/admin/ideas/comment/" aria-current="page">' in comments
    monkeypatch.setattr(admin_nav, "sidebar", lambda request, apps, render: render())
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    assert _sidebar(_page(client, IDEAS)) == ideas


def test_sidebar_never_shows_another_roles_links(city, other_city):
    _world(city)
    admin = client_for(make_member(city, Role.CITY_ADMIN), city)
    moderator = client_for(make_member(city, Role.MODERATOR), city)
    evaluator = client_for(make_member(city, Role.EVALUATOR), city)
    for _ in range(2):
        as_admin = _sidebar(_page(admin, "/admin/ideas/comment/"))
        as_moderator = _sidebar(_page(moderator, "/admin/ideas/comment/"))
        as_evaluator = _sidebar(_page(evaluator, "/admin/ideas/idea/"))
    # City settings and memberships are the city admin's (tenancy.permissions).
    assert "/admin/tenancy/city/" in as_admin
    assert "/admin/tenancy/city/" not in as_moderator
    assert "/admin/tenancy/membership/" in as_moderator
    assert "/admin/tenancy/membership/" not in as_evaluator
    # Another city's admin: a key of its own (the city is part of it).
    elsewhere = client_for(make_member(other_city, Role.MODERATOR), other_city)
    assert "/admin/tenancy/city/" not in _sidebar(_page(elsewhere, "/admin/ideas/comment/"))
    keys = {key[:5] for key in admin_nav._sidebars}
    assert len({key[0] for key in keys}) == 2  # one per city


def test_app_list_keys_hold_roles_language_and_city(city, rf):
    admin = make_member(city, Role.CITY_ADMIN)
    moderator = make_member(city, Role.MODERATOR)
    keys = set()
    for user in (admin, moderator):
        request = rf.get("/admin/")
        request.user, request.city = user, city
        with city_context(city):
            keys.add(admin_nav.viewer_key(request))
    assert len(keys) == 2


def test_related_filter_choices_are_the_citys_and_follow_admin_changes(
    city, other_city, django_capture_on_commit_callbacks
):
    _world(city)
    with city_context(other_city):
        CategoryFactory(name="Lakeside only")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    html = _page(client, IDEAS)
    assert "Lakeside only" not in html
    assert "Bold" in html.split('id="changelist-filter"')[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/ideas/category/add/", {"name": "Brand new", "slug": "brand-new"}, follow=True
        )
    assert response.status_code == 200
    with city_context(city):
        assert Category.objects.filter(slug="brand-new").exists()
    assert "Brand new" in _page(client, IDEAS).split('id="changelist-filter"')[1]


def test_queue_rows_follow_every_change(city):
    with city_context(city):
        idea = IdeaFactory(title="Waiting idea", status="pending")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    queue = "/admin/ideas/idea/moderation/"
    first = _page(client, queue)
    assert first == _page(client, queue)  # the second from the cache
    assert "Waiting idea" in first
    with city_context(city):
        Idea.objects.filter(pk=idea.pk).update(title="Renamed idea")
    again = _page(client, queue)
    assert "Renamed idea" in again and "Waiting idea" not in again


def _rows(html: str) -> str:
    return html.split('id="result_list"', 1)[1].split("</table>", 1)[0]


def test_idea_and_comment_rows_are_kept_by_content_and_follow_every_change(city):
    """The idea and comment lists' rows are kept by what they show
    (``admin_rows.lean_results``): a second view is the same page, and any
    value a row shows, its related names included, redraws that row."""
    _challenge, category, ideas = _world(city)
    with city_context(city):
        comment = CommentFactory(idea=ideas[1], body="First words")
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    comments = "/admin/ideas/comment/"
    first, first_comments = _rows(_page(client, IDEAS)), _rows(_page(client, comments))
    assert _rows(_page(client, IDEAS)) == first  # the second from the cache
    assert _rows(_page(client, comments)) == first_comments
    with city_context(city):
        Idea.objects.filter(pk=ideas[1].pk).update(support_count=4321, title="Retitled idea")
        Category.objects.filter(pk=category.pk).update(name="Renamed category")
        comment.author.__class__.objects.filter(pk=comment.author_id).update(
            email="new-address@example.org"
        )
    # A rename outside the admin reaches the filters' choices with the next
    # admin change of them (or their TTL); here, as the admin would, bump.
    from civicideas.web import page_cache
    from ideas import cache_keys

    page_cache.bump(cache_keys.choices_scope(city.pk))
    again, again_comments = _rows(_page(client, IDEAS)), _rows(_page(client, comments))
    assert "4321" in again and "Retitled idea" in again and "Renamed category" in again
    assert "Retitled idea" in again_comments and "new-address@example.org" in again_comments
    assert "4321" not in first and "Renamed category" not in first


def test_a_list_with_a_column_that_does_not_say_what_it_shows_is_not_kept(city, monkeypatch):
    """A method column without ``shown_from`` could show anything: such a
    list's rows are written on every view, never read from the cache."""
    from civicideas.web import fragment_cache

    _challenge, _category, ideas = _world(city)
    admin = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        Report.objects.create(city=city, idea=ideas[0], reporter=admin, reason="spam")
    client = client_for(admin, city)
    kept = []
    real = fragment_cache.addressed
    monkeypatch.setattr(
        fragment_cache, "addressed", lambda name, items: kept.append(name) or real(name, items)
    )
    reports = _page(client, "/admin/ideas/report/")  # "target": a method that says nothing
    assert "spam" in _rows(reports)
    assert "admin-row" not in kept
    _page(client, IDEAS)
    assert "admin-row" in kept


def test_related_names_come_from_the_filters_or_one_query(city):
    """The idea list joins no related table: the challenge, category and
    district are named from the filters' choices, and a value the choices
    lack (a challenge created meanwhile) from one query for the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicideas.web import page_cache
    from ideas import cache_keys

    _world(city)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    _page(client, IDEAS)
    with city_context(city):
        newer = ChallengeFactory(title="Created meanwhile")
        IdeaFactory(challenge=newer, title="In the new challenge")
    page_cache.bump(cache_keys.city_scope(city.pk))  # not the choices' scope
    with CaptureQueriesContext(connection) as captured:
        html = _page(client, IDEAS)
    rows = [q["sql"] for q in captured.captured_queries if "ideas_idea" in q["sql"]]
    assert rows and not any("JOIN" in sql for sql in rows), rows
    assert "Created meanwhile" in _rows(html)
    named = [q["sql"] for q in captured.captured_queries if 'FROM "ideas_challenge"' in q["sql"]]
    assert len(named) == 1, named


def test_an_admin_with_its_own_checkbox_keeps_its_cell(city, monkeypatch):
    """Only ``CityScopedAdmin``'s marked checkbox is written by the rows; an
    admin that overrides it again gets its own markup in every row."""
    from ideas.admin.content.ideas import IdeaAdmin

    _world(city)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    assert 'class="action-select"' in _page(client, IDEAS)

    def action_checkbox(self, obj):
        return f'<input type="checkbox" name="_selected_action" value="{obj.pk}" class="own-box">'

    monkeypatch.setattr(IdeaAdmin, "action_checkbox", action_checkbox)
    html = _page(client, IDEAS)
    rows = html.split('id="result_list"')[-1]
    assert "own-box" in rows and 'class="action-select"' not in rows
