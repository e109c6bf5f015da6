"""factory_boy factories. Tenant-owned factories need a current city
(``city_context``) like the code they stand in for."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from civicideas.tenancy.context import city_context, current_city
from civicideas.tenancy.models import City, Domain, Membership
from civicideas.tenancy.roles import Role

PASSWORD = "correct-horse-battery-staple"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"city{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    country = "BE"
    languages = factory.LazyFunction(lambda: ["en", "fr", "nl"])
    default_language = "en"
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example")

    @factory.post_generation
    def domain(self, create: bool, extracted: str | None, **kwargs) -> None:
        """Every city gets ``<slug>.localhost`` as its primary domain."""
        if not create:
            return
        hostname = extracted or f"{self.slug}.localhost"
        with city_context(self):
            Domain.objects.get_or_create(
                hostname=hostname, defaults={"city": self, "is_primary": True}
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs) -> None:
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    """Needs a current city: ``with city_context(city): MembershipFactory(...)``."""

    class Meta:
        model = Membership

    city = factory.LazyFunction(current_city)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: [Role.CITIZEN.value])
