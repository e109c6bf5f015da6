"""City projects' part of a practice's evidence (``exchange.evidence``).

``exchange`` and ``projects`` share a layer, so neither imports the other:
the exchange names this provider in ``settings.EXCHANGE_EVIDENCE_PROVIDERS``
and reads ``labels`` from it. Aggregates only, in two queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.urls import city_url
from projects.models import Project, ProjectIdea
from projects.status import ProjectStatus


@dataclass(frozen=True)
class Figure:
    key: str
    value: int | float | str | None
    url: str


def projects_provider(city: Any, challenges: Sequence[Any]) -> list[Figure]:
    """Public projects carrying out the challenges' ideas: how many, how many
    done, and how many of those finished by their planned end."""
    linked = ProjectIdea.objects.filter(idea__challenge__in=challenges).values("project_id")
    today = timezone.localdate()
    done = Q(status=ProjectStatus.DONE)
    on_time = done & (Q(planned_end__isnull=True) | Q(actual_end__lte=F("planned_end")))
    totals = (
        Project.objects.public()
        .filter(pk__in=linked)
        .aggregate(
            projects=Count("pk"),
            done=Count("pk", filter=done),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=Q(planned_end__lt=today, status=ProjectStatus.IN_PROGRESS)),
        )
    )
    url = city_url(city, reverse("projects:list"))
    return [
        Figure("projects", totals["projects"], url),
        Figure("projects_done", totals["done"], url + "?status=done"),
        Figure("projects_done_on_time", totals["on_time"], url + "?status=done"),
        Figure("projects_running_late", totals["late"], url + "?status=in_progress"),
    ]


projects_provider.labels = {  # type: ignore[attr-defined]
    "projects": _("City projects carrying out the ideas"),
    "projects_done": _("Projects done"),
    "projects_done_on_time": _("Projects done on time"),
    "projects_running_late": _("Projects running late"),
}
