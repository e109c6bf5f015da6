"""Evaluation benchmark: auto-assign, ranking, ranking page and CSV at scale.

``run(stdout)`` seeds (once) a city "bench-evaluation" with a challenge of
5,000 ideas, 30 evaluators and the 7-criterion "Urban innovation" rubric;
then, each run: removes the challenge's assignments, times auto-assign
(k = 3: 15,000 assignments), seeds 15,000 submitted scorecards with
105,000 criterion scores in two set-based INSERT ... SELECT statements,
and times the full ranking recompute (ranking + alpha + leniency +
distribution), the ranking page (first page, through the whole
middleware stack) and the CSV export, with their query counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy.context import city_context
from civicideas.tenancy.models import City, Domain, Membership
from civicideas.tenancy.roles import Role
from evaluation import aggregation, presets, services
from evaluation.models import ChallengeEvaluation
from ideas.models import Challenge, Idea
from ideas.status import IdeaStatus

SLUG = "bench-evaluation"
EMAIL_DOMAIN = "bench-evaluation.invalid"
IDEAS = 5_000
EVALUATORS = 30
AUTHORS = 500
K = 3


def _city() -> City:
    city, _created = City.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench Evaluation", "country": "BE"}
    )
    with city_context(city):
        Domain.objects.get_or_create(
            hostname=f"{SLUG}.localhost", defaults={"city": city, "is_primary": True}
        )
    return city


def _users(prefix: str, count: int) -> list[int]:
    user_model = get_user_model()
    emails = [f"{prefix}-{i}@{EMAIL_DOMAIN}" for i in range(count)]
    existing = set(user_model.objects.filter(email__in=emails).values_list("email", flat=True))
    user_model.objects.bulk_create(
        [user_model(email=e, password="!") for e in emails if e not in existing],  # noqa: S106
        batch_size=5_000,
    )
    return list(
        user_model.objects.filter(email__in=emails).order_by("pk").values_list("pk", flat=True)
    )


def _seed(city: City) -> ChallengeEvaluation:
    """People, the challenge, 5,000 ideas and the rubric, once."""
    evaluators = _users("evaluator", EVALUATORS)
    authors = _users("author", AUTHORS)
    admin_id = _users("admin", 1)[0]
    with city_context(city):
        have = set(Membership.objects.values_list("user_id", flat=True))
        Membership.objects.bulk_create(
            [
                Membership(city=city, user_id=pk, roles=[Role.EVALUATOR.value])
                for pk in evaluators
                if pk not in have
            ]
            + [
                Membership(city=city, user_id=pk, roles=[Role.CITIZEN.value])
                for pk in authors
                if pk not in have
            ]
            + (
                [Membership(city=city, user_id=admin_id, roles=[Role.CITY_ADMIN.value])]
                if admin_id not in have
                else []
            )
        )
        challenge, created = Challenge.objects.get_or_create(
            slug="bench",
            defaults={
                "city": city,
                "title": "Bench challenge",
                "phase": Challenge.Phase.EVALUATION,
            },
        )
        if created:
            Idea.objects.bulk_create(
                (
                    Idea(
                        city=city,
                        challenge=challenge,
                        author_id=authors[i % AUTHORS],
                        title=f"Bench idea {i}",
                        body="An idea to measure the evaluation at scale.",
                        language="en",
                        status=IdeaStatus.UNDER_EVALUATION,
                        support_count=(i * 7919) % 500,
                        shuffle_key=i,
                    )
                    for i in range(IDEAS)
                ),
                batch_size=2_000,
            )
        admin = get_user_model().objects.get(pk=admin_id)
        settings = services.evaluation_settings(challenge)
        if settings.rubric_id is None:
            settings.rubric = presets.preset_install(key=presets.URBAN_INNOVATION, by=admin)
            settings.calibration = True
            settings.support_weight = 20
            services.challenge_evaluation_save(settings=settings, by=admin, changed=["rubric"])
        return settings


def _timed(func: Callable[[], Any]) -> tuple[float, int, Any]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
    return elapsed, len(queries), result


def run(stdout: Any) -> list[tuple[str, float, int, str]]:
    """Seed, measure and print a table; returns the rows for callers."""
    city = _city()
    settings = _seed(city)
    challenge_id = settings.challenge_id
    admin = get_user_model().objects.get(email=f"admin-0@{EMAIL_DOMAIN}")
    rows: list[tuple[str, float, int, str]] = []

    with city_context(city):
        with connection.cursor() as cursor:
            for table in ("criterionscore", "scorecard"):
                # Reset the previous run's scores (set-based, no ORM collector).
                cursor.execute(
                    f"DELETE FROM evaluation_{table} WHERE city_id = %s",  # noqa: S608
                    [city.pk],
                )
            cursor.execute(
                "DELETE FROM evaluation_assignment WHERE challenge_id = %s", [challenge_id]
            )
        challenge = Challenge.objects.get(pk=challenge_id)
        elapsed, queries, result = _timed(
            lambda: services.assignments_auto_assign(challenge=challenge, by=admin, seed=1)
        )
        rows.append(("auto-assign", elapsed, queries, f"{result.created:,} assignments"))

    with city_context(city), connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO evaluation_scorecard
                (city_id, assignment_id, state, overall_comment, recommendation,
                 submitted_at, reopened_reason, updated_at)
            SELECT a.city_id, a.id, 'submitted', '', 'accept', now(), '', now()
              FROM evaluation_assignment a WHERE a.challenge_id = %s
            """,
            [challenge_id],
        )
        cursor.execute(
            """
            INSERT INTO evaluation_criterionscore
                (city_id, scorecard_id, criterion_id, score, comment)
            SELECT sc.city_id, sc.id, c.id,
                   LEAST(5, GREATEST(0, (a.idea_id %% 5) + (a.evaluator_id %% 3) - 1
                                        + floor(random() * 2)::int)),
                   ''
              FROM evaluation_scorecard sc
              JOIN evaluation_assignment a ON a.id = sc.assignment_id
              JOIN evaluation_criterion c ON c.rubric_id = %s
             WHERE a.challenge_id = %s
            """,
            [settings.rubric_id, challenge_id],
        )
        cursor.execute(
            "SELECT count(*) FROM evaluation_criterionscore WHERE city_id = %s", [city.pk]
        )
        scores = cursor.fetchone()[0]
        cursor.execute("ANALYZE evaluation_scorecard")
        cursor.execute("ANALYZE evaluation_criterionscore")
        cursor.execute("ANALYZE evaluation_assignment")
        rows.append(
            ("seed scores (SQL)", time.perf_counter() - start, 5, f"{scores:,} criterion scores")
        )

    with city_context(city):
        settings = ChallengeEvaluation.objects.select_related("rubric", "challenge").get(
            pk=settings.pk
        )

        def recompute() -> int:
            ranked = aggregation.ranking(settings)
            aggregation.agreement_and_leniency(settings)
            aggregation.criterion_distribution(settings)
            return ranked.total

        elapsed, queries, total = _timed(recompute)
        rows.append(("full ranking recompute", elapsed, queries, f"{total:,} ideas ranked"))

    client = Client(HTTP_HOST=f"{SLUG}.localhost")
    client.force_login(admin)
    url = f"/admin/evaluation/challengeevaluation/{settings.pk}/ranking/"
    client.get(url)  # warm up (session, templates)
    for label, target in (("ranking page (1st of 100)", url), ("CSV export", url + "?format=csv")):
        elapsed, queries, response = _timed(lambda target=target: client.get(target))
        rows.append(
            (
                label,
                elapsed,
                queries,
                f"HTTP {response.status_code}, {len(response.content):,} bytes",
            )
        )

    stdout.write(f"{'step':<28} {'seconds':>8} {'queries':>8}  notes")
    for label, elapsed, queries, note in rows:
        stdout.write(f"{label:<28} {elapsed:>8.3f} {queries:>8}  {note}")
    return rows
