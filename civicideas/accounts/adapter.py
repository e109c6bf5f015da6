"""allauth adapter: keep people on the city they came from.

* ``next=`` redirects are accepted only when they stay on the current host
  (no other city, no other site; ALLOWED_HOSTS is not consulted).
* Links in account emails are built from the city's primary domain, never
  from the request's Host header, so a forged header cannot plant a foreign
  link in a password-reset email.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.utils.http import url_has_allowed_host_and_scheme

from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.urls import city_url


class CityAccountAdapter(DefaultAccountAdapter):
    def is_safe_url(self, url: str | None) -> bool:
        if not url:
            return False
        return url_has_allowed_host_and_scheme(
            url,
            allowed_hosts={context.request.get_host()},
            require_https=context.request.is_secure(),
        )

    def _on_primary_domain(self, url: str) -> str:
        city = current_city_or_none()
        if city is None:
            return url
        bits = urlsplit(url)
        path = bits.path + (f"?{bits.query}" if bits.query else "")
        return city_url(city, path)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return self._on_primary_domain(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: Any, emailconfirmation: Any) -> str:
        return self._on_primary_domain(
            super().get_email_confirmation_url(request, emailconfirmation)
        )

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        city = current_city_or_none()
        context.setdefault("city", city)
        if city is not None:
            context["site_url"] = city_url(city, "/")
        super().send_mail(template_prefix, email, context)
