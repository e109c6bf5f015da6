"""The assignments list of the evaluation admin at scale (issue 17): its
rows are Django's (lean rows, their column writers made once per page), in
a fixed number of queries that reads only the shown columns, with the
challenge filter's choices cached per city; and the helpers it uses."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.safestring import mark_safe

from civicideas.tenancy import admin_pages, city_context
from civicideas.tenancy.reversal import pk_url_parts, reverse_pk
from civicideas.tenancy.templatetags import city_admin_list
from evaluation import services
from evaluation.admin.assignments import AssignmentAdmin
from evaluation.models import Assignment
from ideas import cache_keys
from ideas.models import Challenge
from tests.evaluation.test_admin import ASSIGNMENTS, page_queries
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<b>Bold</b> & \"quoted\" 'single' {braces}"


def _fill(world, rows: int) -> None:
    """``rows`` assignments of three evaluators over two challenges (one
    with a hostile title), submitted, drafted and not started."""
    evaluators = world.evaluators[1:]
    with city_context(world.riverton):
        other = ChallengeFactory(title=HOSTILE)
        for i in range(rows):
            challenge = world.challenge if i % 3 else other
            idea = IdeaFactory(challenge=challenge, title=f"  {HOSTILE} {i}  ")
            # Most to the first, so that their own list fills pages too.
            evaluator = evaluators[0] if i % 4 else evaluators[1 + (i // 4) % 2]
            assignment = world.assign(idea, evaluator)
            if challenge is world.challenge and i % 3 == 1:
                services.scorecard_submit(
                    assignment=assignment,
                    by=assignment.evaluator,
                    scores=world.full_scores(),
                    recommendation="accept",
                )
            elif challenge is world.challenge:
                services.scorecard_save_draft(
                    assignment=assignment, by=assignment.evaluator, scores={}
                )


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def _rows(html: str) -> str:
    return html.split('id="result_list"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize(
    "query", ["", "?progress=submitted", "?progress=open", "?o=-2.3", "?q=Bold", "?p=2"]
)
@pytest.mark.parametrize("who", ["admin", "evaluator"])
def test_lean_rows_are_djangos_rows(world, monkeypatch, who, query):
    _fill(world, 70)
    user = world.admin if who == "admin" else world.evaluators[1]
    client = world.client(user)
    lean = _page(client, ASSIGNMENTS + query)
    monkeypatch.setattr(city_admin_list, "lean_rows_apply", lambda cl: False)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    django = _page(client, ASSIGNMENTS + query)
    assert lean == django
    rows = _rows(lean)
    assert "<b>Bold</b>" not in rows
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;" in rows


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_lean_rows_in_the_page_language_are_djangos(world, monkeypatch, language):
    _fill(world, 6)
    client = world.client(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    lean = _page(client, ASSIGNMENTS)
    assert f'lang="{language}"' in lean
    monkeypatch.setattr(city_admin_list, "lean_rows_apply", lambda cl: False)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    assert lean == _page(client, ASSIGNMENTS)


def test_rows_show_progress_and_link_scorecards_and_public_pages(world):
    _fill(world, 3)
    rows = _rows(_page(world.client(world.admin), ASSIGNMENTS))
    for label in ("Not started", "Draft", "Submitted", "Open scorecard", "Score", "View idea"):
        assert f">{label}<" in rows, label
    with city_context(world.riverton):
        assignments = list(Assignment.objects.all())
    assert len(assignments) == 3
    for assignment in assignments:
        assert f'href="{reverse_pk("admin:evaluation_assignment_score", assignment.pk)}"' in rows
        assert f'href="/ideas/{assignment.idea_id}/"' in rows


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return page_queries(captured.captured_queries)


@pytest.mark.parametrize("query", ["", "?progress=open", "?challenge__id__exact=CHALLENGE"])
@pytest.mark.parametrize("who", ["admin", "evaluator"])
def test_queries_do_not_grow_with_rows_and_read_only_shown_columns(world, who, query):
    url = ASSIGNMENTS + query.replace("CHALLENGE", str(world.challenge.pk))
    user = world.admin if who == "admin" else world.evaluators[1]
    client = world.client(user)
    _fill(world, 3)
    client.get(url)  # the total and the filter's choices cached
    few = _queries(client, url)
    _fill(world, 67)  # more than a page for both, the evaluator's own list too
    cache.clear()  # the total, kept for half a minute
    client.get(url)
    many = _queries(client, url)
    # The RLS settings, the plan mode (admin_site.plan_for_values), the user, the rows.
    assert len(many) == len(few) <= 5, many
    rows = [q for q in many if "evaluation_assignment" in q and "COUNT(" not in q]
    assert len(rows) == 1, many
    if not query:
        # The page's rows (a full page: Django reads a single page's rows
        # as the list's queryset, which the paginator does not see).
        assert "LIMIT 50" in rows[0]
        for column in (
            '"ideas_idea"."body"',
            '"ideas_idea"."search_vector"',
            '"ideas_challenge"."description"',
            '"accounts_user"."password"',
        ):
            assert column not in rows[0], column
    # The challenge filter's choices come from the cache.
    assert not [q for q in many if q.startswith('SELECT "ideas_challenge"')], many


def _filters(client) -> str:
    return _page(client, ASSIGNMENTS).split('id="changelist-filter"', 1)[1]


def test_challenge_filter_lists_the_citys_challenges_and_follows_changes(
    world, django_capture_on_commit_callbacks
):
    _fill(world, 3)
    client = world.client(world.admin)
    filters = _filters(client)
    assert "Greener Riverton" in filters
    assert "Lakeside challenge" not in filters
    with city_context(world.riverton):
        Challenge.objects.filter(pk=world.challenge.pk).update(title="Bluer Riverton")
    assert "Greener Riverton" in _filters(client)  # cached
    # What the challenge admin does on a save (ChoicesChangedMixin).
    with django_capture_on_commit_callbacks(execute=True):
        cache_keys.choices_changed(world.riverton.pk)
    filters = _filters(client)
    assert "Bluer Riverton" in filters and "Greener Riverton" not in filters


def test_pk_url_parts_are_reverses():
    before, after = pk_url_parts("admin:evaluation_assignment_score")
    assert f"{before}123{after}" == reverse("admin:evaluation_assignment_score", args=[123])
    assert reverse_pk("ideas:idea", 7) == reverse("ideas:idea", args=[7])
    assert reverse_pk("ideas:idea", "7") == reverse("ideas:idea", args=["7"])


def test_method_columns_of_every_kind_of_value_are_djangos(world, monkeypatch):
    """Lean rows write a column method's value as Django does, whatever it
    is: padded, blank or missing text, safe markup, numbers, dates, flags,
    lists, a related object that is gone; and a flag column's icons."""
    _fill(world, 14)
    values = [
        "  padded  ",
        "",
        "   ",
        None,
        True,
        1234567,
        Decimal("12.50"),
        datetime.date(2026, 1, 2),
        datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC),
        mark_safe("<i>safe</i>"),
        ["a", "<b>"],
        ObjectDoesNotExist,
        "<script>x</script>",
        0,
    ]

    def idea_title(self, obj):
        value = values[obj.pk % len(values)]
        if value is ObjectDoesNotExist:
            raise ObjectDoesNotExist
        return value

    def flag(self, obj):
        return [True, False, None][obj.pk % 3]

    idea_title.short_description = "idea"  # type: ignore[attr-defined]
    flag.boolean = True  # type: ignore[attr-defined]
    monkeypatch.setattr(AssignmentAdmin, "idea_title", idea_title)
    monkeypatch.setattr(AssignmentAdmin, "evaluator_email", flag)
    client = world.client(world.admin)
    lean = _page(client, ASSIGNMENTS)
    assert "&lt;script&gt;" in lean and "<i>safe</i>" in lean
    monkeypatch.setattr(city_admin_list, "lean_rows_apply", lambda cl: False)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    assert lean == _page(client, ASSIGNMENTS)


def test_platform_host_lists_every_citys_assignments_as_django_does(world, monkeypatch):
    """On the platform host (all cities, read-only) the list keeps its city
    column and reads the filter's choices as Django does."""
    _fill(world, 4)
    client = Client(HTTP_HOST="localhost")
    client.force_login(UserFactory(email="root@platform.example", is_superuser=True))
    lean = _page(client, ASSIGNMENTS)
    assert "Lakeside secret idea" in lean and "Riverton" in _rows(lean)
    assert "field-city" in lean
    monkeypatch.setattr(city_admin_list, "lean_rows_apply", lambda cl: False)
    monkeypatch.setattr(admin_pages, "page_parts", lambda *_a: None)
    assert lean == _page(client, ASSIGNMENTS)
