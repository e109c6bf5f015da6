"""Demo of the practice exchange for ``manage.py seed_demo`` (called in each
demo city's context, in the order Riverton, Lakeside, Hillcrest):

* Riverton publishes "Greener streets, chosen by residents" from its demo
  challenges, with evidence computed from its demo data;
* Lakeside (French) adopts it — a draft challenge in its admin — and
  publishes its own outcome, linked to Riverton's for the side-by-side table;
* Hillcrest asks a question (in Dutch) and says it tried it too.

Idempotent: each step is skipped when already done (a rerun refreshes
Riverton's evidence).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from exchange import services
from exchange.models import Method, Practice, PracticeComment, Topic

RIVERTON_SLUG = "greener-streets-chosen-by-residents"

RIVERTON_TEXTS = {
    "en": {
        "title": "Greener streets, chosen by residents",
        "summary": "A six-week call for ideas on greening streets, scored by a small panel "
        "with a weighted rubric, and matched funding for the groups that carried them out.",
        "goal": "Turn residents' ideas for trees, planters and shade into projects the city "
        "can actually fund, and answer every idea publicly.",
        "approach": "Open call for ideas with supports, then three evaluators per idea on the "
        "'Urban innovation' rubric (blind review), then a 1:1 match fund for community groups.",
        "what_worked": "Answering every idea within a month kept people engaged; the match "
        "fund doubled what local businesses gave.",
        "what_did_not": "Ideas that needed permits from the region stalled; say so upfront.",
        "cost": "About 0.5 FTE for three months, and a match fund of 20,000 EUR.",
        "tips": "Publish the rubric with the call, so residents write ideas evaluators can score.",
    },
    "fr": {
        "title": "Des rues plus vertes, choisies par les habitants",
        "summary": "Un appel à idées de six semaines pour verdir les rues, évalué par un petit "
        "jury avec une grille pondérée, et un fonds de contrepartie pour les groupes.",
        "goal": "Transformer les idées des habitants en projets finançables, et répondre "
        "publiquement à chaque idée.",
        "approach": "Appel à idées avec soutiens, puis trois évaluateurs par idée, puis un "
        "fonds de contrepartie 1:1 pour les groupes.",
        "what_worked": "Répondre à chaque idée en un mois a maintenu l'engagement.",
        "what_did_not": "Les idées nécessitant un permis régional ont été bloquées.",
        "cost": "Environ 0,5 ETP pendant trois mois, et un fonds de 20 000 EUR.",
        "tips": "Publiez la grille d'évaluation avec l'appel.",
    },
    "nl": {
        "title": "Groenere straten, gekozen door bewoners",
        "summary": "Een oproep van zes weken voor groenere straten, beoordeeld door een klein "
        "panel met een gewogen rubriek, en een matchfonds voor de groepen.",
    },
}

LAKESIDE_TEXTS = {
    "fr": {
        "title": "Des rues plus vertes à Lakeside",
        "summary": "Nous avons repris la pratique de Riverton : même calendrier, même grille, "
        "et un fonds de contrepartie plus petit.",
        "goal": "Vérifier si la méthode de Riverton marche dans une ville plus petite.",
        "what_worked": "La grille reprise telle quelle a fait gagner des semaines.",
        "what_did_not": "Moins de soutiens : la campagne locale était trop courte.",
        "cost": "0,3 ETP pendant trois mois.",
    },
    "en": {
        "title": "Greener streets in Lakeside",
        "summary": "We adopted Riverton's practice: same timeline, same rubric, and a smaller "
        "match fund.",
    },
}


def _admin(city: Any) -> Any:
    return get_user_model().objects.get(email=f"admin@{city.slug}.example")


def _challenge_ids(*slugs: str) -> list[int]:
    from ideas.models import Challenge

    return list(Challenge.objects.filter(slug__in=slugs).values_list("pk", flat=True))


def _riverton(city: Any, stdout: Any) -> None:
    admin = _admin(city)
    practice = Practice.objects.filter(slug=RIVERTON_SLUG).first()
    if practice is not None:
        services.practice_refresh_evidence(by=admin, practice=practice)
        stdout.write("  exchange: Riverton's practice refreshed")
        return
    practice = services.practice_publish(
        by=admin,
        challenge_ids=_challenge_ids("greener-streets", "city-lab"),
        texts=RIVERTON_TEXTS,
        contact_email="participation@riverton.example",
        method=Method.CALL_FOR_IDEAS,
        topics=[Topic.ENVIRONMENT, Topic.PUBLIC_SPACE],
    )
    stdout.write(f"  exchange: published /practices/{practice.slug}/")


def _lakeside(city: Any, stdout: Any) -> None:
    original = Practice.objects.filter(slug=RIVERTON_SLUG).first()
    if original is None:
        return
    admin = _admin(city)
    adoption = services.practice_adopt(
        by=admin, practice=original, starts_on=timezone.localdate() + timedelta(days=30)
    )
    if not Practice.objects.filter(publishing_city=city, adopted_from=original).exists():
        services.practice_publish(
            by=admin,
            challenge_ids=_challenge_ids("greener-streets"),
            texts=LAKESIDE_TEXTS,
            contact_email="participation@lakeside.example",
            method=Method.CALL_FOR_IDEAS,
            topics=[Topic.ENVIRONMENT],
            adopted_from=original,
        )
    stdout.write(f"  exchange: adopted as draft challenge #{adoption.challenge_id}")


def _hillcrest(city: Any, stdout: Any) -> None:
    original = Practice.objects.filter(slug=RIVERTON_SLUG).first()
    if (
        original is None
        or PracticeComment.objects.filter(practice=original, author_city=city).exists()
    ):
        return
    admin = _admin(city)
    services.practice_comment(
        by=admin,
        practice=original,
        text="Hoeveel bewoners deden mee aan de campagne, en hoe lang duurde de "
        "vergunning voor de plantenbakken?",
    )
    services.practice_tried_too(
        by=admin,
        practice=original,
        outcome="Wij deden iets vergelijkbaars in 2025 zonder matchfonds: veel ideeën, "
        "maar weinig groepen konden ze uitvoeren.",
    )
    stdout.write("  exchange: Hillcrest commented")


def seed(city: Any, *, stdout: Any, password: str) -> None:
    steps = {"riverton": _riverton, "lakeside": _lakeside, "hillcrest": _hillcrest}
    step = steps.get(city.slug)
    if step is not None:
        step(city, stdout)
