"""Demo events for ``manage.py seed_demo``: per city an upcoming workshop
that is full, with a waiting list (one place freed and taken by the first
waiting), an upcoming city-wide walk, a cancelled market stand, and a past
workshop with attendance marked. Registrations go through the services
(the past workshop's are written as they were before it started).
Idempotent: a city that already has events is left as it is."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civicideas.content.translations import set_translation
from civicideas.tenancy.roles import Role
from civicideas.tenancy.services import membership_set_roles
from events import services
from events.models import Event, Registration
from events.reminders import reminders_send
from ideas.models import Challenge

#: (field → text) per language, for the three demo events.
TEXTS = {
    "workshop": {
        "en": ("Workshop: ideas for greener squares", "Bring your ideas; we sketch them together."),
        "fr": ("Atelier : des idées pour des places plus vertes", "Venez avec vos idées."),
        "nl": ("Workshop: ideeën voor groenere pleinen", "Breng je ideeën mee."),
    },
    "walk": {
        "en": ("Neighbourhood walk with the mayor", "A walk through the old town."),
        "fr": ("Promenade de quartier avec le maire", "Une promenade dans la vieille ville."),
        "nl": ("Buurtwandeling met de burgemeester", "Een wandeling door de oude stad."),
    },
    "stand": {
        "en": ("Stand at the Saturday market", "Tell us your ideas between two shops."),
        "fr": ("Stand au marché du samedi", "Donnez-nous vos idées entre deux courses."),
        "nl": ("Stand op de zaterdagmarkt", "Vertel ons je ideeën tussen twee boodschappen."),
    },
    "past": {
        "en": ("Workshop: safer school streets", "What we heard is in the challenge's ideas."),
        "fr": ("Atelier : des rues scolaires plus sûres", "Ce que nous avons entendu."),
        "nl": ("Workshop: veiligere schoolstraten", "Wat we hoorden."),
    },
}


#: Places, accessibility notes and the cancellation reason are plain text in
#: the city's own language (not translated per visitor): one set per language.
PLACES = {
    "en": {
        "town_hall": "Town hall, room 2",
        "address": "Market Square 1",
        "languages": "English, French and Dutch spoken",
        "station": "Station square",
        "interpreter": "Sign language interpreter on request",
        "library": "Library, reading room",
        "market": "Market square",
        "rain": "Rain forecast; see you next week.",
    },
    "fr": {
        "town_hall": "Hôtel de ville, salle 2",
        "address": "1, place du Marché",
        "languages": "On y parle français, anglais et néerlandais",
        "station": "Place de la Gare",
        "interpreter": "Interprète en langue des signes sur demande",
        "library": "Bibliothèque, salle de lecture",
        "market": "Place du Marché",
        "rain": "Pluie annoncée ; rendez-vous la semaine prochaine.",
    },
    "nl": {
        "town_hall": "Stadhuis, zaal 2",
        "address": "Marktplein 1",
        "languages": "Nederlands, Frans en Engels gesproken",
        "station": "Stationsplein",
        "interpreter": "Gebarentolk op aanvraag",
        "library": "Bibliotheek, leeszaal",
        "market": "Marktplein",
        "rain": "Regen voorspeld; tot volgende week.",
    },
}


def _person(email: str, password: str) -> Any:
    user, created = get_user_model().objects.get_or_create(email=email)
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    membership_set_roles(user=user, roles=[Role.CITIZEN], changed_by=user)
    return user


def _event(city: Any, key: str, **fields: Any) -> Event:
    texts = TEXTS[key]
    default = texts.get(city.default_language, texts["en"])
    event = Event(city=city, title=default[0], description=default[1], **fields)
    for code in city.languages:
        if code != city.default_language and code in texts:
            title, description = texts[code]
            set_translation(event, code, {"title": title, "description": description})
    event.full_clean()
    event.save()
    return event


def _at(day: Any, hour: int, tz: Any) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz)


@transaction.atomic
def seed(city: Any, *, stdout: Any, password: str) -> None:
    if Event.objects.exists():
        stdout.write("  events: already seeded")
        return
    tz = city.zoneinfo
    today = timezone.localdate(timezone=tz)
    challenge = Challenge.objects.public().order_by("pk").first()
    staff = get_user_model().objects.get(email=f"admin@{city.slug}.example")
    lat = city.min_latitude
    lon = city.min_longitude
    located: dict[str, Any] = {}
    if lat is not None and lon is not None:
        located = {
            "latitude": Decimal(lat) + Decimal("0.01"),
            "longitude": Decimal(lon) + Decimal("0.01"),
        }
    place = PLACES.get(city.default_language, PLACES["en"])
    people = [_person(f"resident{i}@{city.slug}.example", password) for i in range(1, 8)]

    workshop = _event(
        city,
        "workshop",
        kind=Event.Kind.WORKSHOP,
        challenge=challenge,
        starts_at=_at(today + timedelta(days=10), 18, tz),
        ends_at=_at(today + timedelta(days=10), 20, tz),
        place_name=place["town_hall"],
        address=place["address"],
        step_free=True,
        hearing_loop=True,
        language_support=place["languages"],
        capacity=4,
        online_url="https://meet.example/workshop",
        **located,
    )
    for person in people[:4]:
        services.event_register(event=workshop, user=person)
    for person in people[4:6]:
        services.event_register(event=workshop, user=person, waitlist=True)

    walk = _event(
        city,
        "walk",
        kind=Event.Kind.WALK,
        starts_at=_at(today + timedelta(days=17), 10, tz),
        ends_at=_at(today + timedelta(days=17), 12, tz),
        place_name=place["station"],
        language_support=place["interpreter"],
    )
    services.event_register(event=walk, user=people[6])

    past = _event(
        city,
        "past",
        kind=Event.Kind.WORKSHOP,
        challenge=challenge,
        starts_at=_at(today - timedelta(days=20), 18, tz),
        ends_at=_at(today - timedelta(days=20), 20, tz),
        place_name=place["library"],
        step_free=True,
        capacity=20,
    )
    # Registered before it started: written directly (the service refuses a past event).
    registered_at = past.starts_at - timedelta(days=5)
    for i, person in enumerate(people[:5]):
        registration = Registration.objects.create(
            city=city,
            event=past,
            user=person,
            status=Registration.Status.REGISTERED,
            created_at=registered_at,
        )
        services.attendance_mark(registration=registration, attended=i != 2, by=staff)
    # Every kind of event notice, through the services: a place freed (the
    # first on the waiting list moves up), the reminders of the workshop's
    # registrants, and a cancelled market stand.
    first = Registration.objects.get(event=workshop, user=people[0])
    services.registration_cancel(registration=first, by=people[0])
    reminders_send(now=workshop.starts_at - timedelta(hours=20))
    stand = _event(
        city,
        "stand",
        kind=Event.Kind.MARKET_STAND,
        starts_at=_at(today + timedelta(days=6), 9, tz),
        ends_at=_at(today + timedelta(days=6), 12, tz),
        place_name=place["market"],
    )
    services.event_register(event=stand, user=people[6])
    services.event_cancel(event=stand, by=staff, reason=place["rain"])
    stdout.write("  events: 4 events, registrations, a waiting list, attendance, a cancellation")
