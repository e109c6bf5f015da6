"""The scorecard form (evaluation.forms) against hostile POSTs, and the
scorecard services' refusal of anything but typed values."""

from __future__ import annotations

import pytest

from civicideas.errors import InvalidInput
from evaluation import services
from evaluation.forms import ScorecardForm
from evaluation.models import CriterionScore, Scorecard


def _data(w, scores, **extra):
    data = {f"score-{c.pk}": v for c, v in zip(w.criteria, scores, strict=True)}
    data.update(extra)
    return data


def test_clean_post_becomes_typed_values(in_riverton):
    w = in_riverton
    form = ScorecardForm(
        _data(w, [" 4 ", "0", ""], **{f"comment-{w.criteria[0].pk}": "Good"}),
        criteria=w.criteria,
        complete=False,
    )
    assert form.is_valid(), form.problems()
    assert form.scores() == {w.criteria[0].pk: 4, w.criteria[1].pk: 0, w.criteria[2].pk: None}
    assert all(type(v) is int for v in form.scores().values() if v is not None)
    assert form.comments()[w.criteria[0].pk] == "Good"
    assert form.cleaned_data["recommendation"] == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("٣", "whole number"),  # Arabic-Indic three
        ("\uff13", "whole number"),  # full-width three
        ("²", "whole number"),
        ("3.5", "whole number"),
        ("1e1", "whole number"),
        ("+3", "whole number"),
        ("1_0", "whole number"),
        ("3\x00", "whole number"),
        ("9" * 5000, "whole number"),  # past int()'s digit limit: no 500
        ("99999999999999999999999", "whole number"),
        ("6", "between 0 and 5"),
        ("-1", "between 0 and 5"),
        ("9999", "between 0 and 5"),
    ],
)
def test_hostile_scores_are_form_errors(in_riverton, raw, message):
    w = in_riverton
    form = ScorecardForm(_data(w, [raw, "1", "1"]), criteria=w.criteria, complete=False)
    assert not form.is_valid()
    assert any(message in p and p.startswith("Impact:") for p in form.problems())


def test_missing_criterion_and_recommendation_on_submit(in_riverton):
    w = in_riverton
    data = {f"score-{w.criteria[0].pk}": "3"}  # the other two fields are absent
    form = ScorecardForm(data, criteria=w.criteria, complete=True)
    assert not form.is_valid()
    problems = form.problems()
    assert problems == [
        "Novelty: a score is required.",
        "Feasibility: a score is required.",
        "Choose a recommendation.",
    ]
    # A draft may leave them out.
    assert ScorecardForm(data, criteria=w.criteria, complete=False).is_valid()


def test_recommendation_must_be_from_the_list(in_riverton):
    w = in_riverton
    form = ScorecardForm(
        _data(w, ["1", "1", "1"], recommendation="<script>"), criteria=w.criteria, complete=False
    )
    assert form.problems() == ["Choose a recommendation from the list."]


def test_invisible_and_forbidden_text(in_riverton):
    w = in_riverton
    first = w.criteria[0].pk
    form = ScorecardForm(
        _data(
            w,
            ["1", "1", "1"],
            **{f"comment-{first}": "\u200b\u2060 \u00a0", "overall_comment": "\u3000\u200b"},
        ),
        criteria=w.criteria,
        complete=False,
    )
    assert form.is_valid(), form.problems()
    assert form.comments()[first] == "" and form.cleaned_data["overall_comment"] == ""
    form = ScorecardForm(
        _data(w, ["1", "1", "1"], **{f"comment-{first}": "a\x00b", "overall_comment": "x" * 5001}),
        criteria=w.criteria,
        complete=False,
    )
    assert form.problems() == [
        "Impact contains characters that are not allowed.",
        "Overall comment is too long: 5001 characters, at most 5000.",
    ]


def test_fields_of_other_criteria_are_ignored(in_riverton):
    w = in_riverton
    form = ScorecardForm(
        _data(w, ["1", "1", "1"], **{"score-999999999": "5"}), criteria=w.criteria, complete=False
    )
    assert form.is_valid()
    assert set(form.scores()) == {c.pk for c in w.criteria}


@pytest.mark.parametrize("bad", ["4", " 4", "", "3.5", 3.0, True, b"4"])
def test_service_refuses_anything_but_int_scores(in_riverton, bad):
    w = in_riverton
    a = w.assign(w.ideas[0], w.evaluators[1])
    with pytest.raises(InvalidInput, match="Impact: the score must be a whole number"):
        services.scorecard_save_draft(
            assignment=a, by=w.evaluators[1], scores={w.criteria[0].pk: bad}
        )
    assert not Scorecard.objects.exists() and not CriterionScore.objects.exists()


def test_hostile_post_through_the_admin_page_is_a_400_and_writes_nothing(world):
    from tests.evaluation.test_admin import score_url

    a = world.assign(world.ideas[0], world.evaluators[1])
    response = world.client(world.evaluators[1]).post(
        score_url(a), _data(world, ["٣", "9" * 5000, "1"], submit="1", recommendation="accept")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Impact: the score must be a whole number." in page
    assert "Novelty: the score must be a whole number." in page
    from civicideas.tenancy import city_context

    with city_context(world.riverton):
        assert not Scorecard.objects.exists()
