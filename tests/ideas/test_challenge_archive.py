"""The challenges archive (/challenges/) and a challenge's phase timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from civicideas.tenancy import city_context
from ideas import challenge_archive
from ideas.models import Challenge, StatusChange
from ideas.status import IdeaStatus
from tests.conftest import host_of, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

P = Challenge.Phase


@pytest.fixture
def anon(city):
    return Client(HTTP_HOST=host_of(city))


def titles(response) -> list[str]:
    return re.findall(
        r'<h3><a href="/challenges/[^"]+/">([^<]+)</a></h3>', response.content.decode()
    )


@pytest.fixture
def challenges(city):
    now = timezone.now()
    with city_context(city):
        officer = make_member(city)
        made = {
            "open": ChallengeFactory(title="Open one", phase=P.IDEAS),
            "supports": ChallengeFactory(title="Supports one", phase=P.SUPPORTS),
            "upcoming": ChallengeFactory(
                title="Upcoming one", phase=P.IDEAS, ideas_open_from=now + timedelta(days=3)
            ),
            "evaluation": ChallengeFactory(title="Studied one", phase=P.EVALUATION),
            "results": ChallengeFactory(title="Decided one", phase=P.RESULTS),
            "closed": ChallengeFactory(title="Old one", phase=P.CLOSED),
            "draft": ChallengeFactory(title="Secret draft", phase=P.DRAFT),
        }
        for status in (IdeaStatus.ACCEPTED, IdeaStatus.IMPLEMENTED, IdeaStatus.REJECTED):
            idea = IdeaFactory(challenge=made["results"], status=status)
            StatusChange.objects.create(
                city=city, idea=idea, to_status=status, changed_by=officer, is_official=True
            )
        IdeaFactory(challenge=made["results"], status=IdeaStatus.HIDDEN)
    return made


def test_default_shows_open_challenges(anon, challenges):
    response = anon.get("/challenges/")
    assert response.status_code == 200
    assert sorted(titles(response)) == ["Open one", "Supports one"]
    html = response.content.decode()
    assert 'href="?show=open" aria-current="page"' in html
    assert "Secret draft" not in html


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("upcoming", ["Upcoming one"]),
        ("evaluation", ["Studied one"]),
        ("closed", ["Decided one", "Old one"]),
    ],
)
def test_each_standing(anon, challenges, show, expected):
    response = anon.get(f"/challenges/?show={show}")
    assert sorted(titles(response)) == expected


def test_closed_challenges_show_their_results(anon, challenges):
    html = anon.get("/challenges/?show=closed").content.decode()
    # Two accepted (accepted, implemented), three official answers; the hidden idea counts nowhere.
    assert "2 accepted ideas" in html
    assert "3 official answers" in html
    assert f"/challenges/{challenges['results'].slug}/?status=accepted" in html


def test_tabs_count_each_standing(anon, challenges):
    html = anon.get("/challenges/").content.decode()
    assert re.search(r"Open\s*<span class=\"tab-count\">\(2\)</span>", html)
    assert re.search(r"Closed\s*<span class=\"tab-count\">\(2\)</span>", html)


@pytest.mark.parametrize(
    "query",
    [
        "show=draft",
        "show=%00",
        "show=open&show=closed",
        "show=" + "x" * 5000,
        "page=-1",
        "page=abc",
        "page=" + "9" * 400,
        "page=%EF%BC%91",  # a full-width digit one
    ],
)
def test_hostile_parameters_never_fail(anon, challenges, query):
    response = anon.get(f"/challenges/?{query}")
    assert response.status_code == 200
    assert "Secret draft" not in response.content.decode()


def test_wrong_method_is_refused(anon, challenges):
    assert anon.post("/challenges/").status_code == 405


def test_other_citys_challenges_are_not_listed(anon, challenges, other_city):
    with city_context(other_city):
        ChallengeFactory(title="Lakeside call", phase=P.IDEAS)
    assert "Lakeside call" not in anon.get("/challenges/").content.decode()


def test_pages_with_the_shared_paginator(anon, city):
    with city_context(city):
        for n in range(challenge_archive.ARCHIVE_PER_PAGE + 3):
            ChallengeFactory(title=f"Closed {n:02d}", phase=P.CLOSED)
    first = anon.get("/challenges/?show=closed")
    second = anon.get("/challenges/?show=closed&page=2")
    assert len(titles(first)) == challenge_archive.ARCHIVE_PER_PAGE
    assert len(titles(second)) == 3
    assert 'href="?show=closed&amp;page=2" rel="next"' in first.content.decode()
    assert not set(titles(first)) & set(titles(second))


@pytest.mark.parametrize("rows", [3, 30])
def test_query_count_does_not_grow(anon, city, rows, django_assert_max_num_queries):
    with city_context(city):
        for _n in range(rows):
            challenge = ChallengeFactory(phase=P.CLOSED)
            IdeaFactory(challenge=challenge, status=IdeaStatus.ACCEPTED)
    anon.get("/")
    with django_assert_max_num_queries(12):
        response = anon.get("/challenges/?show=closed")
    assert len(titles(response)) == min(rows, challenge_archive.ARCHIVE_PER_PAGE)


def test_linked_from_the_home_page_and_the_navigation(anon, challenges):
    html = anon.get("/").content.decode()
    assert 'href="/challenges/">All challenges, past and upcoming</a>' in html
    nav = html[html.index('class="site-nav"') :]
    assert 'href="/challenges/">Challenges</a>' in nav[: nav.index("</nav>")]


# --- the timeline -----------------------------------------------------------------


def _steps(html: str) -> list[str]:
    block = html[html.index('class="phase-timeline"') :]
    block = block[: block.index("</ol>")]
    return re.findall(r"<li class=\"phase-step phase-step-(\w+)\"", block)


@time_machine.travel(datetime(2027, 1, 10, 12, tzinfo=UTC), tick=False)
def test_timeline_marks_the_current_phase_with_dates_in_the_city_zone(anon, city):
    with city_context(city):
        challenge = ChallengeFactory(
            slug="park",
            phase=P.SUPPORTS,
            ideas_deadline=datetime(2026, 12, 31, 22, 59, tzinfo=UTC),
            # 23:30 UTC on 31 January is 00:30 on 1 February in Brussels.
            supports_deadline=datetime(2027, 1, 31, 23, 30, tzinfo=UTC),
            results_date=datetime(2027, 3, 1, 9, tzinfo=UTC),
        )
    html = anon.get(f"/challenges/{challenge.slug}/").content.decode()
    assert _steps(html) == ["done", "current", "next", "next", "next"]
    assert "<ol>" in html
    current = re.search(
        r'<li class="phase-step phase-step-current" aria-current="step">(.*?)</li>', html, re.S
    )
    assert current and "Open for supports" in current.group(1)
    assert html.count('aria-current="step"') == 1
    assert "Supports close on" in html
    assert "1 February 2027, 00:30 CET" in html
    assert "Ideas close on" in html and "31 December 2026, 23:59 CET" in html
    assert "Results expected on" in html and "1 March 2027" in html


def test_upcoming_challenge_has_no_current_phase(anon, city):
    with city_context(city):
        challenge = ChallengeFactory(
            phase=P.IDEAS, ideas_open_from=timezone.now() + timedelta(days=2)
        )
    html = anon.get(f"/challenges/{challenge.slug}/").content.decode()
    assert 'aria-current="step"' not in html
    assert "Opens on" in html


def test_timeline_without_supports_has_no_supports_step(city):
    with city_context(city):
        challenge = ChallengeFactory(phase=P.EVALUATION, supports_enabled=False)
    steps = challenge_archive.timeline(challenge)
    assert [s.phase for s in steps] == [P.IDEAS, P.EVALUATION, P.RESULTS, P.CLOSED]
    assert [s.state for s in steps] == ["done", "current", "next", "next"]


def test_standing_of_agrees_with_the_list_filter(city, challenges):
    with city_context(city):
        for standing in challenge_archive.STANDINGS:
            listed = set(challenge_archive.archive_queryset(standing).values_list("pk", flat=True))
            expected = {
                c.pk
                for c in Challenge.objects.public()
                if challenge_archive.standing_of(c) == standing
            }
            assert listed == expected, standing
