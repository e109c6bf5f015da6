"""Auto-assignment of evaluators to ideas.

The whole challenge is planned at once from four reads (eligible ideas,
existing assignments, conflicts, the city's evaluators) and written with one
bulk insert, so 5,000 ideas cost a handful of queries, not 5,000 round trips.
The planning itself is a greedy load balancer: each idea, in a fixed order,
takes the currently least-loaded evaluators who may score it (never its
author, never someone with a declared conflict, never twice the same).
Greedy least-loaded assignment keeps every evaluator's load within one of
the others' whenever the exclusions allow it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role
from evaluation.models import Assignment, ConflictOfInterest
from ideas.models import Challenge, Idea
from ideas.status import IdeaStatus

#: Ideas that take part in the evaluation: public, not duplicates, and not
#: already decided.
ASSIGNABLE_STATUSES = (IdeaStatus.PUBLISHED, IdeaStatus.UNDER_EVALUATION)


@dataclass
class AssignmentPlan:
    """What auto-assign will create, and what it could not."""

    new: list[tuple[int, int]] = field(default_factory=list)  # (idea_id, evaluator_id)
    ideas: int = 0
    short_ideas: int = 0  # ideas left with fewer than k evaluators
    evaluators: int = 0
    warnings: list[str] = field(default_factory=list)


def assignable_ideas(challenge: Challenge) -> QuerySet[Idea]:
    return Idea.objects.filter(challenge=challenge, status__in=ASSIGNABLE_STATUSES)


def city_evaluator_ids() -> list[int]:
    """Active people holding the evaluator role in the current city."""
    return list(
        Membership.objects.filter(roles__contains=[Role.EVALUATOR.value], user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def plan_assignments(challenge: Challenge, *, k: int, seed: int | None = None) -> AssignmentPlan:
    """Plan the missing assignments for ``challenge`` (nothing is written).

    Existing assignments count towards both an idea's k and an evaluator's
    load, so re-running fills only gaps. Ties between equally loaded
    evaluators are broken by a per-run shuffle (``seed`` fixes it in tests),
    so the same people do not always get the first ideas.
    """
    plan = AssignmentPlan()
    evaluators = city_evaluator_ids()
    plan.evaluators = len(evaluators)
    ideas = list(assignable_ideas(challenge).order_by("pk").values_list("pk", "author_id"))
    plan.ideas = len(ideas)
    existing: dict[int, set[int]] = {}
    load = dict.fromkeys(evaluators, 0)
    for idea_id, evaluator_id in Assignment.objects.filter(challenge=challenge).values_list(
        "idea_id", "evaluator_id"
    ):
        existing.setdefault(idea_id, set()).add(evaluator_id)
        if evaluator_id in load:
            load[evaluator_id] += 1
    conflicts: dict[int, set[int]] = {}
    for idea_id, evaluator_id in ConflictOfInterest.objects.filter(
        idea__challenge=challenge
    ).values_list("idea_id", "evaluator_id"):
        conflicts.setdefault(idea_id, set()).add(evaluator_id)

    rng = random.Random(seed)  # noqa: S311 - fairness, not security
    tiebreak = {evaluator: rng.random() for evaluator in evaluators}
    for idea_id, author_id in ideas:
        have = existing.get(idea_id, set())
        missing = k - len(have)
        if missing <= 0:
            continue
        excluded = have | conflicts.get(idea_id, set()) | {author_id}
        candidates = sorted(
            (e for e in evaluators if e not in excluded), key=lambda e: (load[e], tiebreak[e])
        )
        chosen = candidates[:missing]
        for evaluator in chosen:
            load[evaluator] += 1
            plan.new.append((idea_id, evaluator))
        if len(chosen) < missing:
            plan.short_ideas += 1

    if plan.evaluators < k:
        plan.warnings.append(
            ngettext(
                "The city has only %(n)d evaluator, fewer than the %(k)d asked for per idea.",
                "The city has only %(n)d evaluators, fewer than the %(k)d asked for per idea.",
                plan.evaluators,
            )
            % {"n": plan.evaluators, "k": k}
        )
    if plan.short_ideas:
        plan.warnings.append(
            ngettext(
                "%(count)d idea has fewer than %(k)d evaluators (authors and people with a "
                "conflict of interest are never assigned). Add evaluators and run "
                "auto-assign again to fill the gaps.",
                "%(count)d ideas have fewer than %(k)d evaluators (authors and people with a "
                "conflict of interest are never assigned). Add evaluators and run "
                "auto-assign again to fill the gaps.",
                plan.short_ideas,
            )
            % {"count": plan.short_ideas, "k": k}
        )
    if not plan.ideas:
        plan.warnings.append(_("No idea of this challenge is waiting for evaluation."))
    return plan
