"""SQL aggregation, calibration and ranking against a small pure-Python
reference, on random scorecards (hypothesis), plus the worked cases."""

from __future__ import annotations

import statistics
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicideas.tenancy import city_context
from evaluation import aggregation
from evaluation.models import Assignment, CriterionScore, Scorecard
from evaluation.stats import krippendorff_alpha
from ideas.models import Idea
from ideas.status import IdeaStatus
from tests.evaluation.factories import ChallengeEvaluationFactory, CriterionFactory
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db

# --- the reference -------------------------------------------------------------------


def reference(*, rmin, rmax, criteria, cards, supports, calibrate, w):
    """criteria: {cid: (weight, lo, hi)}; cards: [(idea, evaluator, {cid: score})];
    supports: {idea: count}. Returns {idea: dict}."""
    scored = []
    for idea, evaluator, scores in cards:
        total_w = sum(criteria[c][0] for c in scores)
        value = sum(
            criteria[c][0] * (s - criteria[c][1]) / (criteria[c][2] - criteria[c][1])
            for c, s in scores.items()
        )
        scored.append((idea, evaluator, rmin + (rmax - rmin) * value / total_w))
    all_scores = [s for _i, _e, s in scored]
    pm = statistics.fmean(all_scores) if all_scores else 0
    ps = statistics.pstdev(all_scores) if all_scores else 0
    by_ev: dict[int, list[float]] = {}
    for _i, e, s in scored:
        by_ev.setdefault(e, []).append(s)
    result = {}
    lo, hi = min(supports.values()), max(supports.values())
    for idea, count in supports.items():
        mine = [(e, s) for i, e, s in scored if i == idea]
        raw = statistics.fmean([s for _e, s in mine]) if mine else None
        cal_values = []
        for e, s in mine:
            em, es = statistics.fmean(by_ev[e]), statistics.pstdev(by_ev[e])
            z = ps * (s - em) / es if es > 1e-9 else 0
            cal_values.append(min(rmax, max(rmin, pm + z)))
        cal = statistics.fmean(cal_values) if mine else None
        support = rmin + (rmax - rmin) * ((count - lo) / (hi - lo) if hi > lo else 0.5)
        expert = cal if calibrate else raw
        if w >= 1:
            final = support
        elif expert is None:
            final = None
        else:
            final = (1 - w) * expert + w * support
        result[idea] = {
            "n": len(mine),
            "raw": raw,
            "cal": cal,
            "spread": statistics.pstdev([s for _e, s in mine]) if mine else None,
            "support": support,
            "final": final,
        }
    return result


# --- random data -------------------------------------------------------------------

criterion_st = st.tuples(
    st.sampled_from([Decimal("0.5"), Decimal(1), Decimal(2), Decimal("3.25")]),
    st.sampled_from([(0, 5), (1, 10), (0, 3)]),
)


@st.composite
def scenario(draw):
    criteria = draw(st.lists(criterion_st, min_size=1, max_size=3))
    n_ideas = draw(st.integers(2, 6))
    n_evaluators = draw(st.integers(1, 4))
    cards = []
    for idea in range(n_ideas):
        for evaluator in range(n_evaluators):
            if draw(st.booleans()):
                scores = [draw(st.integers(lo, hi)) for _w, (lo, hi) in criteria]
                cards.append((idea, evaluator, scores))
    supports = [draw(st.integers(0, 30)) for _ in range(n_ideas)]
    drafts = draw(st.integers(0, 2))
    return {
        "criteria": criteria,
        "n_ideas": n_ideas,
        "n_evaluators": n_evaluators,
        "cards": cards,
        "supports": supports,
        "calibrate": draw(st.booleans()),
        "weight": draw(st.sampled_from([0, 25, 50, 100])),
        "drafts": drafts,
    }


@pytest.fixture
def people(db):
    return [UserFactory() for _ in range(4)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=scenario())
def test_sql_matches_reference(city, people, data):
    with city_context(city):
        savepoint = transaction.savepoint_create()
        try:
            _check(city, people, data)
        finally:
            transaction.savepoint_rollback(savepoint)


def _check(city, people, data):
    settings_ = ChallengeEvaluationFactory(
        calibration=data["calibrate"],
        support_weight=data["weight"],
        rubric__scale_min=1,
        rubric__scale_max=7,
    )
    criteria = [
        CriterionFactory(rubric=settings_.rubric, weight=w, scale_min=lo, scale_max=hi)
        for w, (lo, hi) in data["criteria"]
    ]
    ideas = [IdeaFactory(challenge=settings_.challenge, support_count=s) for s in data["supports"]]
    # A decided idea still ranks; a hidden one does not.
    Idea.objects.filter(pk=ideas[0].pk).update(status=IdeaStatus.ACCEPTED)
    IdeaFactory(challenge=settings_.challenge, status=IdeaStatus.HIDDEN, support_count=999)
    ref_cards = []
    for idea_i, ev_i, scores in data["cards"]:
        a = Assignment.objects.create(
            city=city,
            challenge=settings_.challenge,
            idea=ideas[idea_i],
            evaluator=people[ev_i],
        )
        card = Scorecard.objects.create(city=city, assignment=a, state="submitted")
        CriterionScore.objects.bulk_create(
            CriterionScore(city=city, scorecard=card, criterion=c, score=s)
            for c, s in zip(criteria, scores, strict=True)
        )
        ref_cards.append((idea_i, ev_i, {c.pk: s for c, s in zip(criteria, scores, strict=True)}))
    # Drafts never count.
    for i in range(data["drafts"]):
        a = Assignment.objects.create(
            city=city, challenge=settings_.challenge, idea=ideas[i], evaluator=UserFactory()
        )
        card = Scorecard.objects.create(city=city, assignment=a, state="draft")
        CriterionScore.objects.create(city=city, scorecard=card, criterion=criteria[0], score=0)

    expected = reference(
        rmin=1,
        rmax=7,
        criteria={c.pk: (float(c.weight), c.scale_min, c.scale_max) for c in criteria},
        cards=ref_cards,
        supports=dict(enumerate(data["supports"])),
        calibrate=data["calibrate"],
        w=data["weight"] / 100,
    )
    result = aggregation.ranking(settings_)
    assert result.total == len(ideas)
    index = {idea.pk: i for i, idea in enumerate(ideas)}
    rows = {index[r.idea_id]: r for r in result.rows}
    assert set(rows) == set(expected)
    for i, exp in expected.items():
        row = rows[i]
        assert row.scorecards == exp["n"]
        for got, want in (
            (row.expert_raw, exp["raw"]),
            (row.expert_calibrated, exp["cal"]),
            (row.final, exp["final"]),
        ):
            if want is None:
                assert got is None
            else:
                assert got == pytest.approx(want, abs=2e-6)
        assert row.support_score == pytest.approx(exp["support"])
        if exp["n"]:
            assert row.spread == pytest.approx(exp["spread"], abs=1e-9)
    finals = [r.final for r in result.rows if r.final is not None]
    for row in result.rows:
        if row.final is None:
            assert row.rank is None
        else:  # RANK(): one more than the number of strictly better ideas
            assert row.rank == 1 + sum(1 for f in finals if f > row.final)
    # Agreement in SQL equals the reference implementation on the same data.
    alpha, _n = aggregation.challenge_alpha(settings_)
    by_ev: dict[int, dict[int, float]] = {}
    for _card, idea_id, evaluator_id, score, _cal in aggregation.scorecard_scores(settings_):
        by_ev.setdefault(evaluator_id, {})[idea_id] = score
    matrix = [[scores.get(idea.pk) for idea in ideas] for scores in by_ev.values()]
    want_alpha = krippendorff_alpha(matrix, "interval") if matrix else None
    if want_alpha is None:
        assert alpha is None
    else:
        assert alpha == pytest.approx(want_alpha, abs=1e-6)


# --- worked cases ---------------------------------------------------------------------


def test_lenient_and_harsh_evaluators_count_the_same_when_calibrated(city, people):
    """Evaluator A gives 5 and 3, evaluator B gives 2 and 0 to the same two
    ideas: raw means differ by evaluator, calibrated ones do not."""
    with city_context(city):
        settings_ = ChallengeEvaluationFactory(calibration=True)
        crit = CriterionFactory(rubric=settings_.rubric)
        good, weak = (
            IdeaFactory(challenge=settings_.challenge),
            IdeaFactory(challenge=settings_.challenge),
        )
        for evaluator, (s_good, s_weak) in zip(people[:2], [(5, 3), (2, 0)], strict=True):
            for idea, score in ((good, s_good), (weak, s_weak)):
                a = Assignment.objects.create(
                    city=city, challenge=settings_.challenge, idea=idea, evaluator=evaluator
                )
                card = Scorecard.objects.create(city=city, assignment=a, state="submitted")
                CriterionScore.objects.create(
                    city=city, scorecard=card, criterion=crit, score=score
                )
        rows = {r.idea_id: r for r in aggregation.ranking(settings_).rows}
        assert rows[good.pk].expert_raw == pytest.approx(3.5)
        assert rows[good.pk].spread == pytest.approx(1.5)
        # pooled mean 2.5, pooled sd 1.802...; each evaluator's best is +1 sd.
        pooled_sd = statistics.pstdev([5, 3, 2, 0])
        assert rows[good.pk].expert_calibrated == pytest.approx(2.5 + pooled_sd)
        assert rows[weak.pk].expert_calibrated == pytest.approx(2.5 - pooled_sd)
        assert rows[good.pk].rank == 1 and rows[weak.pk].rank == 2
        assert rows[good.pk].high_disagreement  # spread 1.5 > threshold 1.0
        lenient = aggregation.evaluator_leniency(settings_)
        assert [round(x.offset, 6) for x in lenient] == [1.5, -1.5]
        dist = aggregation.criterion_distribution(settings_)
        assert dist[0].counts == {0: 1, 2: 1, 3: 1, 5: 1}


def test_ties_share_a_rank_and_unscored_ideas_come_last(city, people):
    with city_context(city):
        settings_ = ChallengeEvaluationFactory()
        crit = CriterionFactory(rubric=settings_.rubric)
        ideas = [IdeaFactory(challenge=settings_.challenge) for _ in range(4)]
        for idea, score in zip(ideas[:3], [4, 4, 2], strict=True):
            a = Assignment.objects.create(
                city=city, challenge=settings_.challenge, idea=idea, evaluator=people[0]
            )
            card = Scorecard.objects.create(city=city, assignment=a, state="submitted")
            CriterionScore.objects.create(city=city, scorecard=card, criterion=crit, score=score)
        result = aggregation.ranking(settings_)
        assert [r.rank for r in result.rows] == [1, 1, 3, None]
        assert result.rows[-1].idea_id == ideas[3].pk
        page = aggregation.ranking(settings_, limit=2, offset=2)
        assert page.total == 4 and [r.rank for r in page.rows] == [3, None]
        assert aggregation.ranking(settings_, limit=2, offset=10).total == 4
