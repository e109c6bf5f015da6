"""The change list's action bar kept by content and the total's key without
the sort (issue 17): the same markup as Django's, a key per value shown."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ActionForm
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from civicideas.tenancy import admin_actions, admin_pages, city_context
from civicideas.tenancy.admin_mixins import CachedCountPaginator
from civicideas.tenancy.roles import Role
from ideas.models import Idea
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

_BARS = re.compile(r'<div class="actions">.*?</div>', re.S)


@pytest.fixture(autouse=True)
def _fresh():
    admin_actions.forget()
    yield
    admin_actions.forget()


def _bars(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return _BARS.findall(response.content.decode())


@pytest.mark.parametrize("url", ["/admin/ideas/idea/", "/admin/ideas/comment/"])
def test_kept_bar_is_djangos_bar(city, monkeypatch, url):
    with city_context(city):
        IdeaFactory.create_batch(3, challenge=ChallengeFactory())
    client = client_for(make_member(city, Role.CITY_ADMIN, Role.MODERATOR), city)
    first = _bars(client, url)
    kept = _bars(client, url)
    assert first and kept == first
    monkeypatch.setattr(admin_actions, "bar_key", lambda *_a: None)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    assert _bars(client, url) == first
    assert 'name="reason"' in first[0]
    assert 'value="hide_' in first[0]


def _form(choices):
    form = ActionForm(auto_id=None)
    form.fields["action"].choices = choices
    return form


def _context(form, **extra):
    return {"action_form": form, "action_index": 0, "module_name": "ideas", **extra}


def test_key_holds_the_actions_offered_the_language_and_counts():
    base = admin_actions.bar_key(_context(_form([("", "---"), ("hide", "Hide")])), "t")
    assert base is not None
    approve = _context(_form([("", "---"), ("approve", "Approve")]))
    other_actions = admin_actions.bar_key(approve, "t")
    assert other_actions != base
    with translation.override("fr"):
        assert admin_actions.bar_key(_context(_form([("", "---"), ("hide", "Hide")])), "t") != base
    notes = _context(_form([("", "---"), ("hide", "Hide")]), selection_note="0 of 7 selected")
    assert admin_actions.bar_key(notes, "t") != base
    second = _context(_form([("", "---"), ("hide", "Hide")]))
    second["action_index"] = 1
    assert admin_actions.bar_key(second, "t") != base
    plain = _context(_form([("", "---")]))
    assert admin_actions.bar_key(plain, "other.html") != admin_actions.bar_key(plain, "t")


def test_bound_form_is_rendered_each_time():
    bound = ActionForm({"action": "nonsense"}, auto_id=None)
    assert admin_actions.bar_key(_context(bound), "t") is None
    calls = []
    admin_actions.shared_bar(None, lambda: calls.append(1) or "a")
    admin_actions.shared_bar(None, lambda: calls.append(1) or "a")
    assert len(calls) == 2


def test_sorts_of_the_same_filters_share_their_total(city):
    with city_context(city):
        challenge = ChallengeFactory()
        IdeaFactory.create_batch(4, challenge=challenge)
        cache.clear()
        by_title = Idea.objects.select_related("challenge").order_by("title")
        assert CachedCountPaginator(by_title, 2).count == 4
        with CaptureQueriesContext(connection) as queries:
            assert CachedCountPaginator(Idea.objects.order_by("-pk"), 2).count == 4
        assert not [q for q in queries.captured_queries if "COUNT" in q["sql"].upper()]
        fewer = Idea.objects.filter(pk__in=list(Idea.objects.values_list("pk", flat=True)[:3]))
        assert CachedCountPaginator(fewer.order_by("title"), 2).count == 3
        distinct = Idea.objects.order_by("title").distinct("title")
        titles = Idea.objects.values("title").distinct().count()
        assert CachedCountPaginator(distinct, 2).count == titles


def test_change_url_is_reverse(city):
    from django.urls import reverse, set_script_prefix

    from civicideas.tenancy.reversal import reverse_pk
    from ideas.admin.base import admin_link, change_url

    with city_context(city):
        ideas = IdeaFactory.create_batch(2, challenge=ChallengeFactory())
    for idea in ideas:
        assert change_url(idea) == reverse("admin:ideas_idea_change", args=[idea.pk])
    assert change_url(ideas[0]) != change_url(ideas[1])
    try:
        set_script_prefix("/sub/")
        assert change_url(ideas[0]) == f"/sub/admin/ideas/idea/{ideas[0].pk}/change/"
    finally:
        set_script_prefix("/")
    with translation.override("fr"):
        assert reverse_pk("ideas:idea", ideas[1].pk) == reverse("ideas:idea", args=[ideas[1].pk])
    assert reverse_pk("ideas:idea", str(ideas[1].pk)) == reverse("ideas:idea", args=[ideas[1].pk])
    assert admin_link(ideas[0], "<b>") == (
        f'<a href="/admin/ideas/idea/{ideas[0].pk}/change/">&lt;b&gt;</a>'
    )


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_rows_and_bar_in_the_page_language_are_djangos(city, monkeypatch, language):
    from django.conf import settings

    from civicideas.tenancy.templatetags import city_admin_list

    with city_context(city):
        IdeaFactory.create_batch(2, challenge=ChallengeFactory())
    client = client_for(make_member(city, Role.CITY_ADMIN, Role.MODERATOR), city)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    english = client_for(make_member(city, Role.CITY_ADMIN, Role.MODERATOR), city)
    english_page = english.get("/admin/ideas/idea/").content.decode()
    lean = client.get("/admin/ideas/idea/").content.decode()
    assert f'lang="{language}"' in lean
    monkeypatch.setattr(city_admin_list, "lean_rows_apply", lambda cl: False)
    monkeypatch.setattr(admin_actions, "bar_key", lambda *_a: None)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    django = client.get("/admin/ideas/idea/").content.decode()
    assert lean.split('id="result_list"')[-1] == django.split('id="result_list"')[-1]
    assert _BARS.findall(lean) == _BARS.findall(django)
    assert _BARS.findall(lean) != _BARS.findall(english_page)
