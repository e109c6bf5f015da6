"""Demo history for ``/statistics/`` (``seed_demo`` runs it after the ideas,
evaluation and projects demos).

The ideas demo creates everything "now"; this spreads it over the last
twelve months so the statistics tell a story: ideas arrive all year, and
the city answers them faster and faster (about five weeks in the oldest
month, a few days in the newest). It also names the departments that answer
each category and gives districts a population (one left without, as some
cities do), then computes the figures into the cache.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from civicideas.statistics.store import statistics_refresh
from ideas.demo import translated_save
from ideas.models import Category, Comment, Department, District, Idea, StatusChange, Support

DEPARTMENTS = [
    (
        "mobility",
        {"en": "Mobility department", "fr": "Service mobilité", "nl": "Dienst mobiliteit"},
    ),
    (
        "environment",
        {"en": "Environment department", "fr": "Service environnement", "nl": "Dienst leefmilieu"},
    ),
    (
        "culture",
        {"en": "Culture and leisure", "fr": "Culture et loisirs", "nl": "Cultuur en vrije tijd"},
    ),
]
#: Category slug → department slug (categories not listed: no department).
ANSWERED_BY = {"mobility": "mobility", "green": "environment", "culture": "culture"}
POPULATIONS = [18_000, 9_500, 24_000, 12_000]
YEAR_DAYS = 355


def _departments(city: Any) -> None:
    if Department.objects.exists():
        return
    by_slug = {
        slug: translated_save(Department(city=city, slug=slug), city, {"name": names})
        for slug, names in DEPARTMENTS
    }
    for category in Category.objects.all():
        department = by_slug.get(ANSWERED_BY.get(category.slug, ""))
        if department is not None:
            category.department = department
            category.save(update_fields=["department"])
    for district, population in zip(District.objects.order_by("pk"), POPULATIONS, strict=False):
        if district.population is None:
            district.population = population
            district.save(update_fields=["population"])


def _back_date(idea: Idea, index: int, count: int, now: Any) -> None:
    age = YEAR_DAYS - (YEAR_DAYS * index) // max(count - 1, 1)
    submitted = now - timedelta(days=age, hours=index % 9)
    published = submitted + timedelta(hours=3)
    Idea.objects.filter(pk=idea.pk).update(created_at=submitted, published_at=published)
    # Older ideas waited longer for their first answer: 35 days a year ago,
    # 3 days now (and a little noise so medians are not all round).
    first = 3 + round(32 * age / YEAR_DAYS) + index % 4
    changes = list(StatusChange.objects.filter(idea=idea).order_by("created_at", "pk"))
    for step, change in enumerate(changes):
        when = min(published + timedelta(days=first + 25 * step, hours=step), now)
        StatusChange.objects.filter(pk=change.pk).update(created_at=when)
    for n, pk in enumerate(Support.objects.filter(idea=idea).values_list("pk", flat=True)):
        when = min(published + timedelta(days=n % 12, hours=n), now)
        Support.objects.filter(pk=pk).update(created_at=when)
    for n, pk in enumerate(Comment.objects.filter(idea=idea).values_list("pk", flat=True)):
        when = min(published + timedelta(days=1 + n * 2), now)
        Comment.objects.filter(pk=pk).update(created_at=when)


def seed(city: Any, *, stdout: Any, password: str) -> None:
    now = timezone.now()
    if Idea.objects.filter(created_at__lt=now - timedelta(days=60)).exists():
        stdout.write("  statistics: already seeded")
        return
    _departments(city)
    ideas = list(Idea.objects.exclude(published_at__isnull=True).order_by("pk"))
    for index, idea in enumerate(ideas):
        _back_date(idea, index, len(ideas), now)
    payload = statistics_refresh(city=city)
    share = payload["answers"]["all"]["share"]
    stdout.write(
        f"  statistics: {len(ideas)} ideas spread over twelve months; "
        f"{round(100 * share) if share is not None else 0} % answered"
    )
