"""The template a practice carries: how to run it again, without any row.

Computed inside the publishing city's context from its challenges, their
evaluation settings, rubric and categories, and the city's match fund. What
it holds is a recipe — durations, names, weights, ratios — never ids of
people, ideas or scores, so it can be shown on the platform and copied into
another city (``exchange.services.practice_adopt``).

Shape (version 1)::

    {"version": 1,
     "challenges": [{"title", "summary", "description", "translations",
                      "settings": {...}, "phases": {"ideas_days",
                      "supports_days", "results_days"},
                      "categories": [{"name", "translations"}],
                      "evaluation": {... settings ..., "rubric": {...}} | None}],
     "match_fund": {"ratio", "cap_per_initiative", "total_budget"} | None}
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from evaluation.models import ChallengeEvaluation
from ideas.models import Challenge
from sponsors.models import MatchFund

SNAPSHOT_VERSION = 1
#: Longest phase a template keeps (days); a longer one is clipped.
MAX_PHASE_DAYS = 3650


def _days(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return min((end - start).days, MAX_PHASE_DAYS)


def _phases(challenge: Challenge) -> dict[str, int | None]:
    """Each phase as a duration: ideas from opening to the deadline, supports
    from the ideas deadline to the supports deadline, results from the last
    deadline to the results date."""
    last = challenge.supports_deadline or challenge.ideas_deadline
    return {
        "ideas_days": _days(challenge.ideas_open_from, challenge.ideas_deadline),
        "supports_days": _days(challenge.ideas_deadline, challenge.supports_deadline),
        "results_days": _days(last, challenge.results_date),
    }


def _evaluation(settings: ChallengeEvaluation | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    rubric = settings.rubric
    return {
        "evaluators_per_idea": settings.evaluators_per_idea,
        "blind_review": settings.blind_review,
        "support_weight": settings.support_weight,
        "calibration": settings.calibration,
        "disagreement_threshold": str(settings.disagreement_threshold),
        "rubric": None
        if rubric is None
        else {
            "name": rubric.name,
            "description": rubric.description,
            "scale_min": rubric.scale_min,
            "scale_max": rubric.scale_max,
            "criteria": [
                {
                    "name": c.name,
                    "guidance": c.guidance,
                    "weight": str(c.weight),
                    "scale_min": c.scale_min,
                    "scale_max": c.scale_max,
                    "level_labels": c.level_labels,
                    "translations": c.translations,
                }
                for c in rubric.criteria.all()
            ],
        },
    }


def template_of(challenges: Sequence[Challenge]) -> dict[str, Any]:
    """The template of ``challenges`` (of the current city). Queries: one for
    the evaluation settings with their rubrics' criteria, one per relation
    prefetched, one for the fund — not one per challenge."""
    ids = [c.pk for c in challenges]
    rows = (
        Challenge.objects.filter(pk__in=ids)
        .prefetch_related("categories")
        .order_by("created_at", "pk")
    )
    settings_by_challenge = {
        s.challenge_id: s
        for s in ChallengeEvaluation.objects.filter(challenge_id__in=ids)
        .select_related("rubric")
        .prefetch_related("rubric__criteria")
    }
    fund = MatchFund.objects.filter(is_active=True).first()
    return {
        "version": SNAPSHOT_VERSION,
        "challenges": [
            {
                "title": c.title,
                "summary": c.summary,
                "description": c.description,
                "translations": c.translations,
                "phases": _phases(c),
                "settings": {
                    "premoderation": c.premoderation,
                    "supports_enabled": c.supports_enabled,
                    "max_ideas_per_person": c.max_ideas_per_person,
                    "report_hide_threshold": c.report_hide_threshold,
                    "require_verified_email": c.require_verified_email,
                },
                "categories": [
                    {"name": cat.name, "translations": cat.translations}
                    for cat in c.categories.all()
                ],
                "evaluation": _evaluation(settings_by_challenge.get(c.pk)),
            }
            for c in rows
        ],
        "match_fund": None
        if fund is None
        else {
            "ratio": str(fund.ratio),
            "cap_per_initiative": str(fund.cap_per_initiative),
            "total_budget": str(fund.total_budget),
        },
    }


def decimal_or(value: Any, default: Decimal) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return default
