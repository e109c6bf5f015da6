"""Demo challenges and ideas for ``manage.py seed_demo``.

Built through the services, so counters, timelines, notifications and the
moderation log are what real use would leave behind. Idempotent: a city that
already has demo challenges is left as it is.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from civicideas.content.translations import set_translation
from civicideas.tenancy.roles import Role
from civicideas.tenancy.services import membership_set_roles
from ideas import follows, services
from ideas.models import Category, Challenge, District, Idea
from ideas.status import IdeaStatus

CATEGORIES = [
    ("mobility", {"en": "Mobility", "fr": "Mobilité", "nl": "Mobiliteit"}),
    ("green", {"en": "Green spaces", "fr": "Espaces verts", "nl": "Groen"}),
    ("culture", {"en": "Culture", "fr": "Culture", "nl": "Cultuur"}),
    ("safety", {"en": "Safety", "fr": "Sécurité", "nl": "Veiligheid"}),
]
DISTRICTS = [
    ("old-town", {"en": "Old Town", "fr": "Vieille ville", "nl": "Oude stad"}),
    ("riverside", {"en": "Riverside", "fr": "Bord de l'eau", "nl": "Rivierkant"}),
    ("north", {"en": "North", "fr": "Nord", "nl": "Noord"}),
    ("south", {"en": "South", "fr": "Sud", "nl": "Zuid"}),
    ("harbour", {"en": "Harbour", "fr": "Port", "nl": "Haven"}),
]
#: Title, summary, description of each demo challenge per language. The
#: Dutch description of "summer-in-the-city" is left out on purpose: the page
#: shows the city's default language there, marked with ``lang``.
CHALLENGES = {
    "greener-streets": {
        "en": (
            "How can we make our streets greener and safer?",
            "Share ideas for trees, cycling, walking and quiet streets.",
            "Our streets belong to everyone. **What would you change?**\n\n"
            "- more trees and shade\n- safer cycling and walking\n- places to meet",
        ),
        "fr": (
            "Comment rendre nos rues plus vertes et plus sûres ?",
            "Partagez vos idées d'arbres, de vélo, de marche et de rues calmes.",
            "Nos rues appartiennent à tout le monde. **Que changeriez-vous ?**\n\n"
            "- plus d'arbres et d'ombre\n- des trajets à vélo et à pied plus sûrs\n"
            "- des lieux de rencontre",
        ),
        "nl": (
            "Hoe maken we onze straten groener en veiliger?",
            "Deel ideeën over bomen, fietsen, wandelen en rustige straten.",
            "Onze straten zijn van iedereen. **Wat zou u veranderen?**\n\n"
            "- meer bomen en schaduw\n- veiliger fietsen en wandelen\n"
            "- plekken om elkaar te ontmoeten",
        ),
    },
    "summer-in-the-city": {
        "en": (
            "Summer in the city",
            "Vote for the summer activities you want.",
            "Ideas are in; **support the ones you like** before the end of the month.",
        ),
        "fr": (
            "L'été en ville",
            "Votez pour les activités d'été que vous souhaitez.",
            "Les idées sont là ; **soutenez celles qui vous plaisent** avant la fin du mois.",
        ),
        "nl": ("Zomer in de stad", "Stem op de zomeractiviteiten die u wilt.", ""),
    },
    "safe-nights": {
        "en": (
            "Safe nights",
            "Lighting, transport and safety after dark.",
            "The city has answered every idea of this challenge.",
        ),
        "fr": (
            "Des nuits sûres",
            "Éclairage, transports et sécurité après la tombée de la nuit.",
            "La ville a répondu à chaque idée de ce défi.",
        ),
        "nl": (
            "Veilige nachten",
            "Verlichting, vervoer en veiligheid in het donker.",
            "De stad heeft op elk idee van deze uitdaging geantwoord.",
        ),
    },
}

IDEAS = {
    "en": [
        ("Protected bike lanes on the ring road", "Separate cyclists from cars with kerbs."),
        ("More benches in the park", "Older people need places to rest during walks."),
        ("Car-free Sundays in the centre", "Close the centre to cars one Sunday a month."),
        ("Community garden behind the library", "Turn the empty lot into vegetable beds."),
        ("Better lighting in the underpass", "The underpass feels unsafe after dark."),
        ("Free water fountains", "Install drinking fountains in every square."),
        ("Open-air cinema in summer", "Films on the market square in July and August."),
        ("Plant trees along the river", "Shade for walkers and cooler streets."),
    ],
    "fr": [
        ("Pistes cyclables sécurisées", "Séparer les vélos des voitures sur les grands axes."),
        ("Plus de bancs au parc", "Les personnes âgées ont besoin de se reposer."),
        ("Un marché de producteurs locaux", "Un marché le samedi avec les fermes voisines."),
        ("Éclairage du passage souterrain", "Le passage est peu rassurant la nuit."),
        ("Fontaines d'eau potable", "Des fontaines sur chaque place."),
        ("Cinéma en plein air", "Des films sur la place du marché en été."),
    ],
    "nl": [
        ("Veilige fietspaden", "Fietsers scheiden van auto's op de ringweg."),
        ("Meer bankjes in het park", "Ouderen hebben rustplekken nodig."),
        ("Autovrije zondag", "Eén zondag per maand geen auto's in het centrum."),
        ("Moestuin bij de bibliotheek", "Maak van het lege terrein een moestuin."),
        ("Bomen langs de rivier", "Schaduw voor wandelaars en koelere straten."),
        ("Openluchtbioscoop", "Films op de markt in de zomer."),
    ],
}
COMMENTS = ["Great idea!", "I would use this every day.", "What would it cost?", "+1", "Yes!"]
ANSWERS = {
    IdeaStatus.UNDER_EVALUATION: {
        "en": "Our services are studying this idea.",
        "fr": "Nos services étudient cette idée.",
        "nl": "Onze diensten bestuderen dit idee.",
    },
    IdeaStatus.ACCEPTED: {
        "en": "The council approved this idea; work starts next year.",
        "fr": "Le conseil a approuvé cette idée ; les travaux commencent l'an prochain.",
        "nl": "De gemeenteraad keurde dit idee goed; de werken starten volgend jaar.",
    },
    IdeaStatus.REJECTED: {
        "en": "This is not possible on this site; we explain why on the page.",
        "fr": "Ce n'est pas possible à cet endroit ; nous expliquons pourquoi sur la page.",
        "nl": "Dat kan op deze plek niet; op de pagina leggen we uit waarom.",
    },
    IdeaStatus.IN_PROGRESS: {
        "en": "Works have started.",
        "fr": "Les travaux ont commencé.",
        "nl": "De werken zijn begonnen.",
    },
    IdeaStatus.IMPLEMENTED: {
        "en": "Done! Thank you for the idea.",
        "fr": "C'est fait ! Merci pour l'idée.",
        "nl": "Klaar! Bedankt voor het idee.",
    },
}
DUPLICATE_ANSWER = {
    "en": "The same as an earlier idea; support that one instead.",
    "fr": "La même qu'une idée précédente ; soutenez plutôt celle-là.",
    "nl": "Hetzelfde als een eerder idee; steun liever dat idee.",
}
CITIZENS_PER_CITY = 24


def _citizens(city: Any, password: str) -> list[Any]:
    user_model = get_user_model()
    people = []
    for i in range(CITIZENS_PER_CITY):
        email = f"resident{i + 1}@{city.slug}.example"
        user, created = user_model.objects.get_or_create(email=email)
        if created:
            user.set_password(password)
            user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        membership_set_roles(user=user, roles=[Role.CITIZEN], changed_by=user)
        people.append(user)
    return people


def _staff(city: Any) -> Any:
    return get_user_model().objects.get(email=f"moderator@{city.slug}.example")


def in_language(texts: dict[str, Any], code: str) -> Any:
    return texts.get(code, texts["en"])


def translated_save(obj: Any, city: Any, texts: dict[str, dict[str, Any]]) -> Any:
    """``obj`` saved with ``texts`` (field → {language: text}) in every
    language the city offers: the default in the columns, others translated."""
    for field, by_code in texts.items():
        setattr(obj, field, in_language(by_code, city.default_language))
    for code in city.languages:
        if code != city.default_language:
            set_translation(
                obj, code, {field: by_code.get(code, "") for field, by_code in texts.items()}
            )
    obj.save()
    return obj


def _challenge(city: Any, slug: str) -> Challenge:
    by_code = CHALLENGES[slug]
    texts = {
        field: {code: values[i] for code, values in by_code.items()}
        for i, field in enumerate(("title", "summary", "description"))
    }
    return translated_save(
        Challenge(city=city, slug=slug, phase=Challenge.Phase.IDEAS), city, texts
    )


def answer_texts(city: Any, texts: dict[str, str]) -> dict[str, Any]:
    """``message`` and ``message_translations`` for ``idea_set_status``."""
    return {
        "message": in_language(texts, city.default_language),
        "message_translations": {
            code: texts[code]
            for code in city.languages
            if code != city.default_language and code in texts
        },
    }


@transaction.atomic
def _demo_location(city: Any, rng: random.Random, n: int) -> dict[str, Decimal]:
    """Two ideas in three get a place inside the city's box (for the maps)."""
    box = (city.min_latitude, city.max_latitude, city.min_longitude, city.max_longitude)
    if n % 3 == 2 or any(edge is None for edge in box):
        return {}
    step = Decimal("0.000001")
    return {
        "latitude": Decimal(str(rng.uniform(float(box[0]), float(box[1])))).quantize(step),
        "longitude": Decimal(str(rng.uniform(float(box[2]), float(box[3])))).quantize(step),
    }


def seed(city: Any, *, stdout: Any, password: str) -> None:
    if Challenge.objects.exists():
        stdout.write("  ideas: already seeded")
        return
    rng = random.Random(city.slug)  # noqa: S311 - demo data
    categories = [
        translated_save(Category(city=city, slug=slug), city, {"name": names})
        for slug, names in CATEGORIES
    ]
    districts = [
        translated_save(District(city=city, slug=slug), city, {"name": names})
        for slug, names in DISTRICTS
    ]
    people = _citizens(city, password)
    moderator = _staff(city)
    # Who hears when a challenge opens: the demo citizen and a few residents
    # follow the city, others one category each.
    demo_citizen = get_user_model().objects.filter(email=f"citizen@{city.slug}.example").first()
    for person in ([demo_citizen] if demo_citizen else []) + people[:4]:
        follows.follow_city(user=person, follow=True)
    for n, person in enumerate(people[4:12]):
        follows.follows_set(
            user=person, city_wide=False, category_ids=[categories[n % len(categories)].pk]
        )

    open_challenge, supports_challenge, results_challenge = (
        _challenge(city, slug) for slug in CHALLENGES
    )
    for challenge in (open_challenge, supports_challenge, results_challenge):
        challenge.categories.set(categories)
        challenge.districts.set(districts)
        follows.challenge_announce(challenge=challenge)

    pool = [(code, title, body) for code, items in IDEAS.items() for title, body in items]
    ideas: list[Idea] = []
    for n in range(60):
        code, title, body = pool[n % len(pool)]
        challenge = (open_challenge, supports_challenge, results_challenge)[n % 3]
        author = people[n % len(people)]
        suffix = f" ({n // len(pool) + 1})" if n >= len(pool) else ""
        idea = services.idea_submit(
            author=author,
            challenge=challenge,
            title=f"{title}{suffix}",
            body=body,
            language=code,
            category=rng.choice(categories),
            district=rng.choice(districts),
            **_demo_location(city, rng, n),
        )
        ideas.append(idea)
        for supporter in rng.sample(people, rng.randint(0, 18)):
            if supporter.pk != author.pk:  # authors do not support their own idea
                services.idea_support(idea=idea, user=supporter)
        for commenter in rng.sample(people, rng.randint(0, 4)):
            services.comment_create(idea=idea, author=commenter, body=rng.choice(COMMENTS))

    # Statuses along the whole state machine, with official answers.
    path = [
        IdeaStatus.UNDER_EVALUATION,
        IdeaStatus.ACCEPTED,
        IdeaStatus.IN_PROGRESS,
        IdeaStatus.IMPLEMENTED,
    ]
    results_ideas = [i for i in ideas if i.challenge_id == results_challenge.pk]
    for index, idea in enumerate(results_ideas):
        steps = (
            path[: 1 + index % len(path)]
            if index % 5
            else [
                IdeaStatus.UNDER_EVALUATION,
                IdeaStatus.REJECTED,
            ]
        )
        for status in steps:
            services.idea_set_status(
                idea=idea, by=moderator, **answer_texts(city, ANSWERS[status]), status=status
            )
    in_results = Idea.objects.filter(challenge=results_challenge).order_by("pk")
    duplicate = in_results.filter(status=IdeaStatus.UNDER_EVALUATION).last()
    original = in_results.filter(status=IdeaStatus.ACCEPTED).first()
    if duplicate is not None and original is not None:
        services.idea_set_status(
            idea=duplicate,
            by=moderator,
            status=IdeaStatus.DUPLICATE,
            **answer_texts(city, DUPLICATE_ANSWER),
            duplicate_of=original,
        )
    # Moderation: reports on a few ideas, one hidden, one withdrawn.
    reported = [i for i in ideas if i.challenge_id == open_challenge.pk][:3]
    for idea in reported:
        services.report_create(reporter=people[-1], idea=idea, reason="Off topic?")
    services.idea_moderate(
        idea=reported[0], moderator=moderator, action="hide", reason="Personal attacks."
    )
    services.idea_withdraw(idea=ideas[1], by=ideas[1].author)
    # A conversation: the demo citizen comments and a resident replies; a
    # rude reply is hidden with a reason its author can read.
    talk = (
        Idea.objects.filter(challenge=open_challenge, status=IdeaStatus.PUBLISHED)
        .exclude(author=demo_citizen)
        .order_by("pk")
        .first()
    )
    question = services.comment_create(
        idea=talk, author=demo_citizen or people[0], body="Where exactly would this go?"
    )
    services.comment_create(
        idea=talk, author=talk.author, body="Near the station, to start with.", parent=question
    )
    rude = services.comment_create(
        idea=talk, author=people[-2], body="What a silly question.", parent=question
    )
    services.comment_moderate(
        comment=rude, moderator=moderator, action="hide", reason="Be kind to each other."
    )
    _workshop_import(open_challenge, moderator, categories)
    # Pre-moderation: the open challenge now holds new ideas for review.
    open_challenge.premoderation = True
    open_challenge.save(update_fields=["premoderation"])
    services.idea_submit(
        author=people[2],
        challenge=open_challenge,
        title="Night buses on weekends",
        body="A bus every 30 minutes on Friday and Saturday nights.",
        language="en",
    )
    supports_challenge.phase = Challenge.Phase.SUPPORTS
    supports_challenge.save(update_fields=["phase"])
    results_challenge.phase = Challenge.Phase.RESULTS
    results_challenge.save(update_fields=["phase"])
    stdout.write(f"  ideas: 3 challenges, {Idea.objects.count()} ideas")


def _workshop_import(challenge: Challenge, moderator: Any, categories: list[Any]) -> None:
    """A past workshop's ideas, imported from its CSV file (docs/offline.md,
    "Bulk import"), so the admin shows a finished ``ImportBatch``."""
    from datetime import timedelta

    from django.utils import timezone

    from ideas.models import Channel
    from ideas.services import import_run, imports

    category = categories[0].name if categories else ""
    # One participant left an address: they are invited to claim their idea
    # (the admin's "Invitations to claim an idea" lists it).
    invited = f"lena@{challenge.city.slug}.example"
    data = (
        "Title,Description,Category,Email,Consent\n"
        f"A bicycle repair corner,Tools and a pump by the library,{category},{invited},yes\n"
        f"Murals on the underpass,Painted by the school's pupils,{category},,yes\n"
        "Plant swaps in spring,Once a month on the market square,,,yes\n"
    ).encode()
    batch = imports.import_batch_upload(
        by=moderator,
        challenge=challenge,
        channel=Channel.WORKSHOP,
        channel_date=timezone.localdate() - timedelta(days=12),
        language=challenge.city.default_language,
        file_name="workshop-library.csv",
        data=data,
    )
    batch = imports.import_batch_check(batch=batch, by=moderator, mapping=batch.mapping)
    batch = imports.import_batch_start(batch=batch, by=moderator)
    # The queued task (if a worker runs) finds the batch done and stops.
    import_run.import_batch_run(batch_id=batch.pk, limit=None)
