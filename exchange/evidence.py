"""Evidence: figures computed from a city's own data, each with the link to
the city's public page that shows it.

Evidence is a list of **providers**. A provider is a small function
``(city, challenges) -> list[Figure]`` run inside the publishing city's
context (its ORM scope and row-level security), each figure computed by one
SQL aggregate over the city's rows. To add figures (city projects: "projects
done", "on time"), write a provider and append it to ``PROVIDERS`` with its
labels in ``LABELS`` — or, from an app this one may not import (city
projects, same layer), name it in ``settings.EXCHANGE_EVIDENCE_PROVIDERS``
with a ``labels`` attribute (see ``providers``). Nothing else changes
(pages, API and open data read the stored JSON and the labels).

The result is frozen into ``Practice.evidence`` at publication and on
"refresh" (``services.practice_refresh_evidence``): aggregates only, never a
row, an id of a person or a name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import City
from civicideas.tenancy.urls import city_url
from evaluation.aggregation import challenge_alpha
from evaluation.models import ChallengeEvaluation
from ideas.models import Challenge, Comment, Idea, StatusChange, Support
from ideas.status import IdeaStatus
from sponsors.models import Initiative, InitiativeStatus, MatchPledge


@dataclass(frozen=True)
class Figure:
    key: str
    value: int | float | str | None
    url: str


Provider = Callable[[City, Sequence[Challenge]], list[Figure]]

#: Label and unit of every figure, by key (rendered in the reader's language).
LABELS: dict[str, Any] = {
    "participants": _("Participants"),
    "ideas": _("Ideas"),
    "supports": _("Supports"),
    "comments": _("Comments"),
    "share_answered": _("Ideas with an official answer (%)"),
    "median_days_to_answer": _("Median days to an official answer"),
    "accepted": _("Ideas accepted"),
    "implemented": _("Ideas implemented"),
    "initiatives_funded": _("Initiatives fully resourced"),
    "amount_matched": _("Amount matched by the city (EUR)"),
    "evaluator_agreement": _("Evaluator agreement (Krippendorff's alpha)"),
}

ACCEPTED = (IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED)


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``; works on intervals too."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _challenge_url(city: City, challenges: Sequence[Challenge]) -> str:
    if len(challenges) == 1:
        return city_url(city, reverse("ideas:challenge", args=[challenges[0].slug]))
    return city_url(city, reverse("ideas:challenges"))


def ideas_provider(city: City, challenges: Sequence[Challenge]) -> list[Figure]:
    """Participation and answers: two aggregates and one count of a union."""
    ideas = Idea.objects.public().filter(challenge__in=challenges)
    first_answer = (
        StatusChange.objects.filter(idea=OuterRef("pk"), is_official=True, is_public=True)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    totals = ideas.aggregate(
        ideas=Count("pk"),
        supports=Coalesce(Sum("support_count"), 0),
        comments=Coalesce(Sum("comment_count"), 0),
        accepted=Count("pk", filter=Q(status__in=ACCEPTED)),
        implemented=Count("pk", filter=Q(status=IdeaStatus.IMPLEMENTED)),
    )
    answers = (
        ideas.annotate(first_answer=Subquery(first_answer))
        .filter(first_answer__isnull=False)
        .aggregate(
            answered=Count("pk"),
            median=Median(
                ExpressionWrapper(
                    F("first_answer") - Coalesce("published_at", "created_at"),
                    output_field=DurationField(),
                )
            ),
        )
    )
    authors = ideas.values("author_id")
    supporters = Support.objects.filter(idea__in=ideas).values("user_id")
    commenters = Comment.objects.filter(idea__in=ideas, state=Comment.State.VISIBLE).values(
        "author_id"
    )
    participants = authors.union(supporters, commenters).count()
    url = _challenge_url(city, challenges)
    share = round(100 * answers["answered"] / totals["ideas"]) if totals["ideas"] else 0
    median: timedelta | None = answers["median"]
    median_days = round(median.total_seconds() / 86400, 1) if median is not None else None
    return [
        Figure("participants", participants, url),
        Figure("ideas", totals["ideas"], url),
        Figure("supports", totals["supports"], url),
        Figure("comments", totals["comments"], url),
        Figure("share_answered", share, url),
        Figure("median_days_to_answer", median_days, url),
        Figure("accepted", totals["accepted"], url),
        Figure("implemented", totals["implemented"], url),
    ]


def sponsors_provider(city: City, challenges: Sequence[Challenge]) -> list[Figure]:
    """Initiatives grown from the challenges' ideas and the city's matching."""
    initiatives = Initiative.objects.public().filter(source_idea__challenge__in=challenges)
    funded = initiatives.filter(
        status__in=(InitiativeStatus.FULLY, InitiativeStatus.COMPLETED)
    ).count()
    matched = MatchPledge.objects.filter(initiative__in=initiatives).aggregate(
        total=Coalesce(Sum("amount"), Decimal(0))
    )["total"]
    url = city_url(city, reverse("sponsors:initiatives"))
    return [
        Figure("initiatives_funded", funded, url),
        Figure("amount_matched", str(matched.quantize(Decimal("1"))), url),
    ]


def evaluation_provider(city: City, challenges: Sequence[Challenge]) -> list[Figure]:
    """The evaluators' agreement (alpha) of the evaluated challenges, pooled
    as the mean of each challenge's alpha; absent when nobody scored."""
    alphas = []
    for evaluation in ChallengeEvaluation.objects.filter(challenge__in=challenges):
        alpha, _n = challenge_alpha(evaluation)
        if alpha is not None:
            alphas.append(alpha)
    value = round(sum(alphas) / len(alphas), 2) if alphas else None
    return [Figure("evaluator_agreement", value, _challenge_url(city, challenges))]


#: In display order; ``providers()`` adds those named in settings.
PROVIDERS: list[Provider] = [ideas_provider, evaluation_provider, sponsors_provider]


def providers() -> list[Provider]:
    """``PROVIDERS`` and then ``settings.EXCHANGE_EVIDENCE_PROVIDERS`` (dotted
    paths). An app of the same layer (city projects) cannot be imported by
    this one, so it names its provider in the setting instead; a provider's
    ``labels`` attribute (key → lazy label) joins ``LABELS``."""
    extra = [import_string(path) for path in getattr(settings, "EXCHANGE_EVIDENCE_PROVIDERS", ())]
    for provider in extra:
        LABELS.update(getattr(provider, "labels", {}))
    return [*PROVIDERS, *extra]


def compute(city: City, challenges: Sequence[Challenge]) -> dict[str, Any]:
    """The evidence JSON of ``challenges`` (call inside ``city``'s context)."""
    figures: list[dict[str, Any]] = []
    for provider in providers():
        figures.extend(
            {"key": f.key, "value": f.value, "url": f.url} for f in provider(city, challenges)
        )
    return {"figures": figures}


def figure_value(evidence: dict[str, Any], key: str) -> Any:
    for figure in (evidence or {}).get("figures", []):
        if isinstance(figure, dict) and figure.get("key") == key:
            return figure.get("value")
    return None


def labels() -> dict[str, Any]:
    """Every figure's label, those of the providers named in settings too."""
    providers()
    return LABELS


def rows(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures with their labels, for pages and the API; unknown keys
    (a provider removed since) are skipped."""
    labels()
    out = []
    for figure in (evidence or {}).get("figures", []):
        if isinstance(figure, dict) and figure.get("key") in LABELS:
            out.append({**figure, "label": LABELS[figure["key"]]})
    return out
