"""The stored ranking (evaluation.rankings): computed once per change, and
refreshed by every evaluation change that moves it (issue 17)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import city_context
from evaluation import rankings, services
from evaluation.models import Scorecard

pytestmark = pytest.mark.django_db


def ranking_url(settings) -> str:
    return f"/admin/evaluation/challengeevaluation/{settings.pk}/ranking/"


def _scorecards_of(world, idea) -> int:
    with city_context(world.riverton):
        _meta, rows, _page = rankings.stored_ranking_page(world.settings, page=1, page_size=100)
    return next(row.scorecards for row in rows if row.idea_id == idea.pk)


def test_a_submitted_scorecard_refreshes_the_stored_ranking(world):
    idea = world.ideas[0]
    assert _scorecards_of(world, idea) == 0
    assignment = world.assign(idea, world.evaluators[1])
    with city_context(world.riverton):
        scorecard = services.scorecard_submit(
            assignment=assignment,
            by=world.evaluators[1],
            scores=world.full_scores(),
            recommendation=Scorecard.Recommendation.ACCEPT,
        )
    assert _scorecards_of(world, idea) == 1
    with city_context(world.riverton):
        services.scorecard_reopen(scorecard=scorecard, by=world.admin, reason="Check again")
    assert _scorecards_of(world, idea) == 0


def test_the_ranking_page_reads_the_stored_ranking(world):
    """The second view computes nothing: no ranking SQL at all."""
    client = world.client(world.admin)
    assert client.get(ranking_url(world.settings)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ranking_url(world.settings))
    assert response.status_code == 200
    assert "Riverton idea 0" in response.content.decode()
    assert not [q for q in queries.captured_queries if "ideas_idea" in q["sql"]]


def test_a_rolled_back_change_leaves_a_correct_ranking(world):
    idea = world.ideas[1]
    assignment = world.assign(idea, world.evaluators[1])
    assert _scorecards_of(world, idea) == 0
    with city_context(world.riverton), pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            services.scorecard_submit(
                assignment=assignment,
                by=world.evaluators[1],
                scores=world.full_scores(),
                recommendation=Scorecard.Recommendation.ACCEPT,
            )
            raise RuntimeError
    assert _scorecards_of(world, idea) == 0


def test_the_ranking_rows_follow_the_stored_ranking(world):
    """Rows are rendered once per content (issue 17): a scorecard that
    changes an idea's figures shows on the next view, and the cached rows
    are the page as rendered fresh."""
    client = world.client(world.admin)
    first = client.get(ranking_url(world.settings)).content.decode()
    assert client.get(ranking_url(world.settings)).content.decode().count("<tr>") == first.count(
        "<tr>"
    )
    idea = world.ideas[0]
    assignment = world.assign(idea, world.evaluators[1])
    with city_context(world.riverton):
        services.scorecard_submit(
            assignment=assignment,
            by=world.evaluators[1],
            scores=world.full_scores(),
            recommendation=Scorecard.Recommendation.ACCEPT,
        )
    assert _scorecards_of(world, idea) == 1
    again = client.get(ranking_url(world.settings)).content.decode()
    assert _scorecards_cell(first, idea) == "0"
    assert _scorecards_cell(again, idea) == "1"


def _scorecards_cell(html: str, idea) -> str:
    """The row's "scorecards" column (the seventh number)."""
    row = html.split(f'id="idea-{idea.pk}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="num">(.*?)</td>', row)[6]
