"""allauth adapter: keep people on the city they came from.

* ``next=`` redirects are accepted only when they stay on the current host
  (no other city, no other site; ALLOWED_HOSTS is not consulted, unlike
  allauth's default, because ``*`` there would not narrow anything and other
  cities' hosts must not count as safe).
* Every link in an account email is rebuilt on the city's primary domain
  (the platform host on the platform), never taken from the request's Host
  header: a forged or secondary host cannot plant its own link in a
  password-reset or verification email. The "site" named in the mail is the
  city, not the request's host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.urls import city_url, primary_hostname, public_url


@dataclass(frozen=True)
class MailSite:
    """Stands in for ``current_site`` in allauth's email templates."""

    name: str
    domain: str


def _canonical_url(path: str) -> str:
    """``path`` on the current city's primary domain, or on the platform host
    when no city is current."""
    city = current_city_or_none()
    if city is None:
        return public_url(settings.PLATFORM_HOST, path)
    return city_url(city, path)


def _on_canonical_host(url: str) -> str:
    bits = urlsplit(url)
    path = bits.path or "/"
    if bits.query:
        path = f"{path}?{bits.query}"
    if bits.fragment:
        path = f"{path}#{bits.fragment}"
    return _canonical_url(path)


def _is_absolute_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    bits = urlsplit(value)
    return bits.scheme in {"http", "https"} and bool(bits.netloc)


def _mail_site() -> MailSite:
    city = current_city_or_none()
    if city is None:
        return MailSite(name="civicideas", domain=settings.PLATFORM_HOST)
    return MailSite(name=city.name, domain=primary_hostname(city))


class CityAccountAdapter(DefaultAccountAdapter):
    def is_safe_url(self, url: str | None) -> bool:
        if not url:
            return False
        request = allauth_context.request
        return url_has_allowed_host_and_scheme(
            url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )

    def _get_login_attempts_cache_key(self, request: Any, **credentials: Any) -> str:
        """The failed-login counter's key: the account, not the host.

        allauth keys it on ``site.domain:login``, i.e. on the request's host.
        An account works on every city's host (and on a city's secondary
        domains), so per-host counters would give a password guesser five
        tries per host instead of five in all.
        """
        login = credentials.get("email", credentials.get("username", "")) or ""
        return f"account:{login.strip().lower()}"

    def get_reset_password_from_key_url(self, key: str) -> str:
        return _on_canonical_host(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: Any, emailconfirmation: Any) -> str:
        return _on_canonical_host(super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Send an account email whose links all point at the primary domain.

        allauth builds some links itself from the request (the sign-up link in
        "unknown account", the reset link in "account already exists"), so
        every absolute URL in the context is rewritten here rather than in
        each ``get_*_url`` hook: a link added by a future allauth version is
        covered too.
        """
        context = {
            key: _on_canonical_host(value) if _is_absolute_http_url(value) else value
            for key, value in context.items()
        }
        city = current_city_or_none()
        context.setdefault("city", city)
        context["current_site"] = _mail_site()
        context["site_url"] = _canonical_url("/")
        super().send_mail(template_prefix, email, context)
