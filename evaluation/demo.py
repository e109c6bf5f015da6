"""Demo evaluation for ``manage.py seed_demo``: a fourth challenge in its
evaluation phase with a dozen ideas, the "Urban innovation" rubric, three
evaluators and a mix of draft and submitted scorecards.

Built through the services (assignments, scorecards, audit log and
notifications as real use leaves them). Idempotent: a city that already has
the challenge is left as it is.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civicideas.content.translations import set_translation
from civicideas.tenancy.roles import Role
from civicideas.tenancy.services import membership_set_roles
from evaluation import presets, reminders, services
from evaluation.models import Assignment, Scorecard
from ideas import follows
from ideas import services as idea_services
from ideas.demo import answer_texts, in_language, translated_save
from ideas.models import Challenge, StatusChange
from ideas.status import IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User

SLUG = "city-lab"
IDEAS = [
    ("Repair café in every district", "Monthly repair sessions run by volunteers."),
    ("Solar panels on school roofs", "Schools produce their own electricity."),
    ("Shared cargo bikes", "Cargo bikes to borrow for shopping and moving."),
    ("Rain gardens on the main square", "Plants that soak up storm water."),
    ("Open data about bus delays", "Publish live delays so apps can use them."),
    ("Neighbourhood tool library", "Borrow a drill instead of buying one."),
    ("Street play days", "Close a street to traffic for children once a month."),
    ("Green roofs on bus shelters", "Sedum roofs for bees and cooler stops."),
    ("Digital help desk for seniors", "Volunteers help with online forms."),
    ("Community fridge", "Share food that would otherwise be thrown away."),
    ("Quiet hours in the swimming pool", "Less noise and light for autistic visitors."),
    ("Participatory budget for youth", "Young people decide on a small budget."),
]
EXTRA_EVALUATORS = 2


def _person(email: str, password: str, roles: list[str], by: User | None) -> User:
    user, created = get_user_model().objects.get_or_create(email=email)
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    membership_set_roles(user=user, roles=roles, changed_by=by)
    return user


CHALLENGE_TEXTS = {
    "title": {
        "en": "City lab: small experiments, big change",
        "fr": "Labo urbain : petites expériences, grands changements",
        "nl": "Stadslab: kleine experimenten, grote verandering",
    },
    "summary": {
        "en": "Experiments the city could try next year.",
        "fr": "Des expériences que la ville pourrait tenter l'an prochain.",
        "nl": "Experimenten die de stad volgend jaar kan proberen.",
    },
    "description": {
        "en": "The city's evaluators are scoring these ideas **right now**.",
        "fr": "Les évaluateurs de la ville notent ces idées **en ce moment**.",
        "nl": "De beoordelaars van de stad scoren deze ideeën **op dit moment**.",
    },
}
SCORING_ANSWER = {
    "en": "Our evaluators are scoring this idea.",
    "fr": "Nos évaluateurs notent cette idée.",
    "nl": "Onze beoordelaars scoren dit idee.",
}
DECISION_ANSWER = {
    "en": "The evaluators recommended it; the pilot starts in spring.",
    "fr": "Les évaluateurs l'ont recommandée ; le projet pilote démarre au printemps.",
    "nl": "De beoordelaars raadden het aan; het proefproject start in de lente.",
}


@transaction.atomic
def seed(city: Any, *, stdout: Any, password: str) -> None:
    if Challenge.objects.filter(slug=SLUG).exists():
        stdout.write("  evaluation: already seeded")
        return
    users = get_user_model().objects
    admin = users.get(email=f"admin@{city.slug}.example")
    evaluators = [users.get(email=f"evaluator@{city.slug}.example")]
    evaluators += [
        _person(f"evaluator{n}@{city.slug}.example", password, [Role.EVALUATOR], admin)
        for n in range(2, 2 + EXTRA_EVALUATORS)
    ]
    citizens = list(
        users.filter(email__startswith="resident", email__endswith=f"@{city.slug}.example")
    )
    if not citizens:
        citizens = [_person(f"resident1@{city.slug}.example", password, [Role.CITIZEN], admin)]
    rng = random.Random(f"evaluation-{city.slug}")  # noqa: S311 - demo data

    challenge = translated_save(
        Challenge(city=city, slug=SLUG, phase=Challenge.Phase.IDEAS, require_verified_email=False),
        city,
        CHALLENGE_TEXTS,
    )
    follows.challenge_announce(challenge=challenge)
    ideas = []
    for n, (title, body) in enumerate(IDEAS):
        idea = idea_services.idea_submit(
            author=citizens[n % len(citizens)],
            challenge=challenge,
            title=title,
            body=body,
            language="en",
        )
        for supporter in rng.sample(citizens, min(len(citizens), rng.randint(0, 15))):
            if supporter.pk != idea.author_id:  # authors do not support their own idea
                idea_services.idea_support(idea=idea, user=supporter)
        ideas.append(idea)
    for idea in ideas[:8]:
        idea_services.idea_set_status(
            idea=idea,
            by=admin,
            status=IdeaStatus.UNDER_EVALUATION,
            **answer_texts(city, SCORING_ANSWER),
        )
    challenge.phase = Challenge.Phase.EVALUATION
    challenge.save(update_fields=["phase"])

    rubric = presets.preset_install(key=presets.URBAN_INNOVATION, by=admin)
    settings = services.evaluation_settings(challenge)
    settings.rubric = rubric
    settings.support_weight = 20
    settings.calibration = True
    # Due tomorrow: the evaluators with work left get their reminder below.
    settings.due_date = timezone.now() + timedelta(days=1)
    services.challenge_evaluation_save(
        settings=settings,
        by=admin,
        changed=["rubric", "support_weight", "calibration", "due_date"],
    )
    result = services.assignments_auto_assign(challenge=challenge, by=admin, seed=7)

    criteria = list(rubric.criteria.all())
    leniency = {e.pk: rng.choice([-1, 0, 1]) for e in evaluators}
    quality = {idea.pk: rng.randint(1, 4) for idea in ideas}
    submitted = drafts = 0
    for n, assignment in enumerate(Assignment.objects.filter(challenge=challenge).order_by("pk")):
        if n % 5 == 4:
            continue  # not started
        scores = {
            c.pk: max(
                0,
                min(
                    5,
                    quality[assignment.idea_id]
                    + leniency[assignment.evaluator_id]
                    + rng.randint(-1, 1),
                ),
            )
            for c in criteria
        }
        if n % 5 == 3:
            services.scorecard_save_draft(
                assignment=assignment,
                by=assignment.evaluator,
                scores=dict(list(scores.items())[:3]),
                overall_comment="To finish after the site visit.",
            )
            drafts += 1
        else:
            services.scorecard_submit(
                assignment=assignment,
                by=assignment.evaluator,
                scores=scores,
                overall_comment="Scored against the guidance.",
                recommendation=rng.choice(Scorecard.Recommendation.values),
            )
            submitted += 1
    # One submitted scorecard goes back to its evaluator for another look.
    reopened = Scorecard.objects.filter(
        state=Scorecard.State.SUBMITTED, assignment__idea__in=ideas[1:]
    ).first()
    if reopened is not None:
        services.scorecard_reopen(
            scorecard=reopened, by=admin, reason="Please check the cost estimate again."
        )
    # The first idea's evaluators are done: the city decides on it (the
    # author, supporters and its evaluators hear); the others are reminded.
    decided = services.decision_take(
        idea=ideas[0],
        by=admin,
        decision=services.Decision.ACCEPT,
        message=in_language(DECISION_ANSWER, city.default_language),
    )
    # ``decision_take`` writes the default language; the demo adds the others.
    answer = StatusChange.objects.filter(idea=ideas[0], is_official=True).latest("pk")
    for code, text in answer_texts(city, DECISION_ANSWER)["message_translations"].items():
        set_translation(answer, code, {"message": text})
    answer.save(update_fields=["translations"])
    reminded = reminders.due_reminders_send()
    stdout.write(
        f"  evaluation: 1 challenge, {len(ideas)} ideas, {result.created} assignments, "
        f"{submitted} submitted and {drafts} draft scorecards, "
        f"1 decision ({decided.get_status_display()}), {reminded} due-soon reminders"
    )
