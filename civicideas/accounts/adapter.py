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
* Passwords are checked against one guess budget per account and per client
  IP, shared with the API (``accounts.guesses``); a locked attempt answers
  429 with ``Retry-After``.
* Setting a password (change, reset, first password) revokes the account's
  API tokens in every city (``accounts.services.user_password_set``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from civicideas.accounts import guesses
from civicideas.accounts.services import user_password_set
from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.urls import city_url, primary_hostname, public_url

if TYPE_CHECKING:
    from civicideas.accounts.models import User


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

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        """Check a password within the shared guess budget.

        The budget is per account, not per host (allauth's own counter, off in
        settings, was keyed on the host: an account works on every city's host,
        so that gave a guesser five tries per host), and shared with the API's
        token endpoint. A locked attempt is answered 429 before the password
        is looked at.
        """
        login = credentials.get("email", credentials.get("username", "")) or ""
        try:
            guess = guesses.guess_take(request=request, login=login)
        except guesses.TooManyGuesses as locked:
            raise ImmediateHttpResponse(too_many_guesses_response(request, locked)) from None
        user = super().authenticate(request, **credentials)
        if user is not None:
            guesses.guess_succeeded(guess)
        return user

    def _delete_login_attempts_cached_email(self, request: Any, **credentials: Any) -> None:
        """After a password reset through the emailed link, the account's
        failures are forgotten (allauth calls this hook then)."""
        guesses.guesses_forget(login=credentials.get("email", "") or "")

    def set_password(self, user: User, password: str) -> None:
        """Every password change, reset or first password goes through here."""
        user_password_set(user=user, password=password)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The client address allauth's rate limits count: the same one as
        the guess budget and the API's throttles."""
        return guesses.client_ip(request)

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


def too_many_guesses_response(request: HttpRequest, locked: guesses.TooManyGuesses) -> HttpResponse:
    """429 page with ``Retry-After``, in the site's layout, saying when to retry."""
    response = TemplateResponse(
        request,
        "429.html",
        {"retry_after_minutes": max(1, (locked.retry_after + 59) // 60), "message": locked.message},
        status=429,
    )
    response["Retry-After"] = str(locked.retry_after)
    return response
