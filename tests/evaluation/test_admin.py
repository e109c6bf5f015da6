"""The evaluation back office: who gets in, city isolation, the scorecard
form, the ranking page (queries, CSV, charts, decisions), rubrics."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import city_context
from civicideas.text import csv_cell
from evaluation import presets, services
from evaluation.models import Assignment, CriterionScore, Rubric, Scorecard
from ideas.models import Idea
from ideas.status import IdeaStatus
from tests.conftest import client_for, host_of
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/admin/evaluation/assignment/"


def score_url(assignment) -> str:
    return f"/admin/evaluation/assignment/{assignment.pk}/score/"


#: Queries a test adds around a request (the test's transaction makes the
#: request's city_context a savepoint that reads the outer RLS setting).
TEST_ONLY = ("SAVEPOINT", "RELEASE SAVEPOINT", "SELECT current_setting(")


def page_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].startswith(TEST_ONLY)]


def ranking_url(settings) -> str:
    return f"/admin/evaluation/challengeevaluation/{settings.pk}/ranking/"


def submit_all(w, evaluators=None):
    """Every Riverton idea except the evaluator's own gets scorecards."""
    with city_context(w.riverton):
        services.assignments_auto_assign(challenge=w.challenge, by=w.admin, seed=3)
        for i, a in enumerate(Assignment.objects.select_related("idea").order_by("pk")):
            services.scorecard_submit(
                assignment=a,
                by=a.evaluator,
                scores=w.full_scores(i % 6, (i * 2) % 6, 3),
                recommendation="accept",
            )


# --- who gets in ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["citizen", "moderator", "anonymous"])
def test_non_evaluators_are_kept_out(world, who):
    with city_context(world.riverton):
        a = Assignment.objects.create(
            city=world.riverton,
            challenge=world.challenge,
            idea=world.ideas[0],
            evaluator=world.evaluators[1],
        )
    if who == "anonymous":
        client = Client(HTTP_HOST=host_of(world.riverton))
    else:
        client = world.client(getattr(world, who))
    for url in (
        score_url(a),
        ranking_url(world.settings),
        ASSIGNMENTS,
        "/admin/evaluation/rubric/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"Riverton idea 0" not in response.content


def test_evaluator_cannot_open_ranking_rubrics_or_audit(world):
    client = world.client(world.evaluator)
    assert client.get(ranking_url(world.settings)).status_code == 403
    assert client.get(ranking_url(world.settings) + "?format=csv").status_code == 403
    assert client.get("/admin/evaluation/rubric/").status_code == 403
    assert client.get("/admin/evaluation/evaluationauditlog/").status_code == 403
    assert client.get(ASSIGNMENTS).status_code == 200


def test_other_city_scorecards_and_ranking_are_404(world):
    lakeside = world.lakeside_assignment
    evaluator = world.lakeside_evaluator
    # Lakeside's evaluator on Riverton's host is nobody there.
    assert client_for(evaluator, world.riverton).get(score_url(lakeside)).status_code in (302, 403)
    # Riverton's admin and evaluator asking for Lakeside's ids: 404.
    for user in (world.admin, world.evaluator):
        client = world.client(user)
        assert client.get(score_url(lakeside)).status_code == 404
        card = f"/admin/evaluation/scorecard/{world.lakeside_scorecard.pk}/change/"
        assert client.get(card).status_code in (403, 404)
    client = world.client(world.admin)
    assert client.get(ranking_url(world.lakeside_settings)).status_code == 404
    assert (
        client.get(f"/admin/evaluation/scorecard/{world.lakeside_scorecard.pk}/change/").status_code
        == 404
    )


def test_evaluator_sees_only_own_assignments_and_other_is_404(world):
    a1 = world.assign(world.ideas[0], world.evaluators[1])
    a2 = world.assign(world.ideas[1], world.evaluators[2])
    client = world.client(world.evaluators[1])
    page = client.get(ASSIGNMENTS).content.decode()
    assert "Riverton idea 0" in page and "Riverton idea 1" not in page
    assert "My assignments" in page
    assert f"/ideas/{world.ideas[0].pk}/" in page  # link to the public page
    assert score_url(a1) in page
    assert client.get(score_url(a2)).status_code == 404
    response = client.post(score_url(a2), {"submit": "1"})
    assert response.status_code == 404


def test_my_assignments_progress_filter(world):
    a1 = world.assign(world.ideas[0], world.evaluators[1])
    world.assign(world.ideas[1], world.evaluators[1])
    with city_context(world.riverton):
        services.scorecard_submit(
            assignment=a1,
            by=world.evaluators[1],
            scores=world.full_scores(),
            recommendation="accept",
        )
    client = world.client(world.evaluators[1])
    done = client.get(ASSIGNMENTS + "?progress=submitted").content.decode()
    assert "Riverton idea 0" in done and "Riverton idea 1" not in done
    todo = client.get(ASSIGNMENTS + "?progress=open").content.decode()
    assert "Riverton idea 1" in todo and "Riverton idea 0" not in todo


# --- the scorecard form ---------------------------------------------------------------


def _form(w, values, **extra):
    data = {f"score-{c.pk}": v for c, v in zip(w.criteria, values, strict=True)}
    data.update(extra)
    return data


def test_score_draft_then_submit_through_the_form(world):
    a = world.assign(world.ideas[0], world.evaluators[1])
    client = world.client(world.evaluators[1])
    page = client.get(score_url(a)).content.decode()
    assert "Impact" in page and "Save draft" in page
    response = client.post(score_url(a), _form(world, ["3", "", ""], draft="1"))
    assert response.status_code == 302
    response = client.post(score_url(a), _form(world, ["3", "", ""], submit="1"))
    assert response.status_code == 400
    assert "a score is required" in response.content.decode()
    response = client.post(
        score_url(a), _form(world, ["3", "4", "5"], submit="1", recommendation="accept")
    )
    assert response.status_code == 302
    with city_context(world.riverton):
        assert Scorecard.objects.get(assignment=a).state == Scorecard.State.SUBMITTED
    # Locked now: a further post changes nothing.
    response = client.post(
        score_url(a), _form(world, ["0", "0", "0"], submit="1", recommendation="reject")
    )
    assert response.status_code == 400
    assert "locked" in response.content.decode()
    with city_context(world.riverton):
        assert sorted(CriterionScore.objects.values_list("score", flat=True)) == [3, 4, 5]


def test_out_of_range_score_in_form_is_a_clear_error(world):
    a = world.assign(world.ideas[0], world.evaluators[1])
    response = world.client(world.evaluators[1]).post(
        score_url(a), _form(world, ["9", "1", "1"], submit="1", recommendation="accept")
    )
    assert response.status_code == 400
    assert "between 0 and 5" in response.content.decode()
    with city_context(world.riverton):
        assert not Scorecard.objects.exists()


def test_own_idea_cannot_be_scored_through_the_form(world):
    a = world.assign(world.own_idea, world.evaluator)
    response = world.client(world.evaluator).post(
        score_url(a), _form(world, ["3", "3", "3"], submit="1", recommendation="accept")
    )
    assert response.status_code == 403
    with city_context(world.riverton):
        assert not Scorecard.objects.exists()


def test_blind_review_hides_colleagues_until_own_submitted(world):
    mine = world.assign(world.ideas[0], world.evaluators[1])
    theirs = world.assign(world.ideas[0], world.evaluators[2])
    with city_context(world.riverton):
        services.scorecard_submit(
            assignment=theirs,
            by=world.evaluators[2],
            scores=world.full_scores(1, 1, 1),
            recommendation="reject",
        )
        CriterionScore.objects.filter(scorecard__assignment=theirs).update(comment="SECRET-NOTE")
    client = world.client(world.evaluators[1])
    assert "SECRET-NOTE" not in client.get(score_url(mine)).content.decode()
    client.post(score_url(mine), _form(world, ["3", "3", "3"], submit="1", recommendation="accept"))
    assert "SECRET-NOTE" in client.get(score_url(mine)).content.decode()


# --- ranking page ---------------------------------------------------------------------


def test_ranking_page_shows_scores_alpha_charts_in_few_queries(world):
    submit_all(world)
    client = world.client(world.admin)
    client.get(ranking_url(world.settings))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ranking_url(world.settings))
    assert response.status_code == 200
    assert len(page_queries(queries)) <= 10, "\n".join(q[:100] for q in page_queries(queries))
    page = response.content.decode()
    assert "Krippendorff" in page and "<svg" in page
    assert "Riverton idea 0" in page and "Leniency" in page
    assert "script" not in page.split('id="content-main"')[1].split("</svg>")[0].lower()


def test_ranking_page_queries_do_not_grow_with_ideas(world):
    with city_context(world.riverton):
        for _ in range(30):
            IdeaFactory(challenge=world.challenge)
    submit_all(world)
    client = world.client(world.admin)
    client.get(ranking_url(world.settings))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ranking_url(world.settings) + "?page=1").status_code == 200
    assert len(page_queries(queries)) <= 10


def test_csv_export_neutralises_formulas(world):
    with city_context(world.riverton):
        Idea.objects.filter(pk=world.ideas[0].pk).update(title='=HYPERLINK("http://evil")')
        Idea.objects.filter(pk=world.ideas[1].pk).update(title="@SUM(A1)")
    response = world.client(world.admin).get(ranking_url(world.settings) + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    titles = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in titles and "'@SUM(A1)" in titles
    assert not any(t.startswith(("=", "+", "-", "@")) for t in titles)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok", "ok"),
        (-1.5, -1.5),
        (None, ""),
    ],
)
def test_ranking_cells_go_through_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_decisions_from_ranking_page_reach_the_public_page(world):
    client = world.client(world.admin)
    ideas = world.ideas[:2]
    response = client.post(
        ranking_url(world.settings),
        {
            "decision": "accept",
            "ideas": [i.pk for i in ideas],
            "message": "Default answer",
            f"message-{ideas[0].pk}": "A specific answer",
        },
    )
    assert response.status_code == 302
    with city_context(world.riverton):
        statuses = set(
            Idea.objects.filter(pk__in=[i.pk for i in ideas]).values_list("status", flat=True)
        )
    assert statuses == {IdeaStatus.ACCEPTED}
    public = world.client(world.citizen).get(f"/ideas/{ideas[0].pk}/").content.decode()
    assert "A specific answer" in public


def test_decision_on_another_citys_idea_is_refused(world):
    client = world.client(world.admin)
    response = client.post(
        ranking_url(world.settings),
        {"decision": "reject", "ideas": [world.lakeside_idea.pk], "message": "No"},
    )
    assert response.status_code == 302
    with city_context(world.lakeside):
        assert Idea.objects.get(pk=world.lakeside_idea.pk).status == IdeaStatus.PUBLISHED


def test_evaluator_cannot_post_decisions(world):
    response = world.client(world.evaluator).post(
        ranking_url(world.settings),
        {"decision": "accept", "ideas": [world.ideas[0].pk], "message": "x"},
    )
    assert response.status_code == 403
    with city_context(world.riverton):
        assert Idea.objects.get(pk=world.ideas[0].pk).status == IdeaStatus.PUBLISHED


# --- rubrics, settings, actions -----------------------------------------------------------


def test_install_preset_from_admin(world):
    client = world.client(world.admin)
    assert "Urban innovation" in client.get("/admin/evaluation/rubric/").content.decode()
    response = client.post(
        "/admin/evaluation/rubric/install-preset/", {"preset": presets.URBAN_INNOVATION}
    )
    assert response.status_code == 302
    with city_context(world.riverton):
        rubric = Rubric.objects.get(preset=presets.URBAN_INNOVATION)
        assert rubric.criteria.count() == 7
    page = client.get(f"/admin/evaluation/rubric/{rubric.pk}/change/").content.decode()
    assert "%" in page  # weights as shares of their sum
    assert (
        world.client(world.evaluator)
        .post("/admin/evaluation/rubric/install-preset/", {"preset": presets.URBAN_INNOVATION})
        .status_code
        == 403
    )


def test_rubric_in_use_is_read_only_in_admin(world):
    a = world.assign(world.ideas[0], world.evaluators[1])
    with city_context(world.riverton):
        services.scorecard_submit(
            assignment=a,
            by=world.evaluators[1],
            scores=world.full_scores(),
            recommendation="accept",
        )
    client = world.client(world.admin)
    url = f"/admin/evaluation/rubric/{world.rubric.pk}/change/"
    page = client.get(url).content.decode()
    assert "New version" in page
    response = client.post(url, {"name": "Renamed", "scale_min": 0, "scale_max": 5})
    assert response.status_code == 403
    with city_context(world.riverton):
        assert Rubric.objects.get(pk=world.rubric.pk).name != "Renamed"


def test_rubric_admin_refuses_zero_weights(world):
    client = world.client(world.admin)
    data = {
        "name": "Zero",
        "description": "",
        "scale_min": 0,
        "scale_max": 5,
        "criteria-TOTAL_FORMS": 1,
        "criteria-INITIAL_FORMS": 0,
        "criteria-MIN_NUM_FORMS": 0,
        "criteria-MAX_NUM_FORMS": 1000,
        "criteria-0-position": 0,
        "criteria-0-name": "Only",
        "criteria-0-guidance": "",
        "criteria-0-weight": "0",
        "criteria-0-scale_min": 3,
        "criteria-0-scale_max": 3,
        "criteria-0-level_labels": "[]",
    }
    response = client.post("/admin/evaluation/rubric/add/", data)
    assert response.status_code == 200
    with city_context(world.riverton):
        assert not Rubric.objects.filter(name="Zero").exists()


def test_auto_assign_action_warns_when_too_few(world):
    with city_context(world.riverton):
        world.settings.evaluators_per_idea = 6
        world.settings.save()
    client = world.client(world.admin)
    response = client.post(
        "/admin/evaluation/challengeevaluation/",
        {"action": "auto_assign", "_selected_action": [world.settings.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "only 4 evaluators" in text
    with city_context(world.riverton):
        assert Assignment.objects.count() > 0


def test_ranking_page_before_any_scorecard_is_submitted(world):
    """The leniency chart had no evaluator to draw and crashed with a 500
    (``format_html("")`` is refused by Django 6)."""
    response = world.client(world.admin).get(ranking_url(world.settings))
    assert response.status_code == 200
    assert "Ranking" in response.content.decode()


def test_a_submitted_scorecard_leaves_the_evaluators_dashboard_at_once(world):
    """The dashboard keeps its counts 30 s (issue 17), but not past the
    evaluator's own submission in the back office."""
    from tests.tenancy.test_admin_dashboard import counter

    a = world.assign(world.ideas[0], world.evaluators[1])
    world.assign(world.ideas[1], world.evaluators[1])
    client = world.client(world.evaluators[1])
    assert counter(client.get("/admin/").content.decode(), "evaluation.pending")[0] == 2
    response = client.post(
        score_url(a), _form(world, ["3", "4", "5"], submit="1", recommendation="accept")
    )
    assert response.status_code == 302
    assert counter(client.get("/admin/").content.decode(), "evaluation.pending")[0] == 1
