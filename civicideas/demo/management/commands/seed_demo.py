"""Demo cities with one account per role, idempotent.

Other apps add their demo data by providing ``<app>.demo.seed(city, *,
stdout, password)``; it is called inside ``city_context(city)`` for each demo
city, and must itself be idempotent.
"""

from __future__ import annotations

import importlib
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from civicideas.content.translations import set_translation
from civicideas.tenancy import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.models import City, Domain
from civicideas.tenancy.roles import Role
from civicideas.tenancy.services import membership_set_roles
from civicideas.tenancy.urls import public_url

DEMO_CITIES = [
    {
        "slug": "riverton",
        "name": "Riverton",
        "country": "BE",
        "population": 182_000,
        "languages": ["en", "fr", "nl"],
        "default_language": "en",
        "colour": "#1d4e89",
        # Where its ideas may be placed on the map (fictional city, real area).
        "min_latitude": Decimal("50.43"),
        "max_latitude": Decimal("50.49"),
        "min_longitude": Decimal("4.82"),
        "max_longitude": Decimal("4.92"),
    },
    {
        "slug": "lakeside",
        "name": "Lakeside",
        "country": "FR",
        "population": 64_000,
        "languages": ["fr", "nl", "en"],
        "default_language": "fr",
        "colour": "#0b6e4f",
        # Where its ideas may be placed on the map (fictional city, real area).
        "min_latitude": Decimal("45.88"),
        "max_latitude": Decimal("45.93"),
        "min_longitude": Decimal("6.1"),
        "max_longitude": Decimal("6.16"),
    },
    {
        "slug": "hillcrest",
        "name": "Hillcrest",
        "country": "NL",
        "population": 410_000,
        "languages": ["nl", "fr", "en"],
        "default_language": "nl",
        "colour": "#8a2c0d",
        # Where its ideas may be placed on the map (fictional city, real area).
        "min_latitude": Decimal("52.05"),
        "max_latitude": Decimal("52.11"),
        "min_longitude": Decimal("4.25"),
        "max_longitude": Decimal("4.35"),
    },
]

#: The city's own texts (issue 13), per language; each city stores its
#: default language in the columns and its other languages as translations.
CITY_TEXTS = {
    "home_intro": {
        "en": "This is where the city asks, you answer, and everyone sees what happens next.",
        "fr": "Ici, la ville pose ses questions, vous répondez, et chacun voit la suite.",
        "nl": "Hier stelt de stad haar vragen, antwoordt u, en ziet iedereen wat er volgt.",
    },
    "privacy_notice": {
        "en": "We keep your e-mail address to sign you in and to tell you what happens to "
        "your ideas. Your name is shown only if you choose a display name. You can download "
        "or erase your data at any time from your account page.",
        "fr": "Nous gardons votre adresse e-mail pour vous connecter et vous dire ce que "
        "deviennent vos idées. Votre nom n'est affiché que si vous choisissez un nom public. "
        "Vous pouvez télécharger ou effacer vos données à tout moment depuis votre compte.",
        "nl": "We bewaren uw e-mailadres om u aan te melden en u te laten weten wat er met uw "
        "ideeën gebeurt. Uw naam is alleen zichtbaar als u een weergavenaam kiest. U kunt uw "
        "gegevens op elk moment downloaden of wissen vanuit uw account.",
    },
}

ROLE_ACCOUNTS = {
    Role.CITIZEN: "citizen",
    Role.MODERATOR: "moderator",
    Role.EVALUATOR: "evaluator",
    Role.CITY_ADMIN: "admin",
}
SUPERUSER_EMAIL = "superuser@civicideas.example"


def demo_email(slug: str, role: Role) -> str:
    return f"{ROLE_ACCOUNTS[role]}@{slug}.example"


def _city_texts(city: City) -> None:
    for field, by_code in CITY_TEXTS.items():
        setattr(city, field, by_code[city.default_language])
    for code in city.languages:
        if code != city.default_language:
            set_translation(city, code, {field: texts[code] for field, texts in CITY_TEXTS.items()})


class Command(BaseCommand):
    help = "Create (or refresh) the demo cities, their host names and one account per role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", default=settings.DEMO_PASSWORD)

    def handle(self, *args, **options) -> None:
        password = options["password"]
        self._user(SUPERUSER_EMAIL, password, superuser=True)
        total = len(DEMO_CITIES)
        for index, spec in enumerate(DEMO_CITIES, start=1):
            self.stdout.write(f"[{index}/{total}] {spec['name']}")
            city, _ = City.objects.update_or_create(slug=spec["slug"], defaults=spec)
            city.contact_email = f"participation@{spec['slug']}.example"
            _city_texts(city)
            city.save(update_fields=["contact_email", *CITY_TEXTS, "translations"])
            with city_context(city):
                Domain.objects.update_or_create(
                    hostname=f"{spec['slug']}.localhost",
                    defaults={"city": city, "is_primary": True},
                )
                for role in ROLE_ACCOUNTS:
                    user = self._user(demo_email(city.slug, role), password)
                    roles = {Role.CITIZEN, role}
                    membership_set_roles(user=user, roles=roles, changed_by=user)
                for seeder in self._seeders():
                    seeder(city, stdout=self.stdout, password=password)
        forget_hosts()
        self._summary(password)

    def _user(self, email: str, password: str, *, superuser: bool = False):
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(email=email)
        user.is_superuser = superuser
        user.is_active = True
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _seeders(self):
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            if hasattr(module, "seed"):
                yield module.seed

    def _summary(self, password: str) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Platform:   {public_url(settings.PLATFORM_HOST)}")
        self.stdout.write(f"              {SUPERUSER_EMAIL} (superuser)")
        for spec in DEMO_CITIES:
            self.stdout.write(f"  {spec['name']:<11} {public_url(spec['slug'] + '.localhost')}")
            accounts = ", ".join(demo_email(spec["slug"], role) for role in ROLE_ACCOUNTS)
            self.stdout.write(f"              {accounts}")
        self.stdout.write(f"  Password for every demo account: {password}")
