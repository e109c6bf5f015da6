"""Absolute URLs on a city's primary domain, for emails and tasks."""

from __future__ import annotations

from django.conf import settings

from civicideas.tenancy.models import City, Domain


def primary_hostname(city: City) -> str:
    hostname = (
        Domain.objects.with_scopes_disabled()
        .filter(city=city, is_primary=True)
        .values_list("hostname", flat=True)
        .first()
    )
    if hostname is None:
        raise Domain.DoesNotExist(f"City {city.slug} has no primary domain.")
    return hostname


def city_url(city: City, path: str = "/") -> str:
    """``path`` on the city's primary domain, with the configured public
    scheme and port (PUBLIC_URL_SCHEME, PUBLIC_URL_PORT)."""
    return public_url(primary_hostname(city), path)


def public_url(hostname: str, path: str = "/") -> str:
    port = settings.PUBLIC_URL_PORT
    default_port = 443 if settings.PUBLIC_URL_SCHEME == "https" else 80
    netloc = hostname
    if port and port != default_port:
        netloc = f"{netloc}:{port}"
    if not path.startswith("/"):
        path = f"/{path}"
    return f"{settings.PUBLIC_URL_SCHEME}://{netloc}{path}"
