"""Bind a logged-in session to the host (city) it was created on; send a
signed-in person to accept a city's new privacy notice."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

#: Session key recording where the session logged in.
SESSION_CITY_KEY = "_civicideas_city"


def session_binding(request: HttpRequest) -> str:
    """Which tenant a session belongs to: a city's id, or the platform."""
    city = getattr(request, "city", None)
    return f"city:{city.pk}" if city is not None else "platform"


class SessionCityMiddleware:
    """A session logged in on one city is anonymous on every other host.

    Session cookies are host-only (``SESSION_COOKIE_DOMAIN = None``), so a
    browser never sends riverton's cookie to lakeside. This is the second
    layer for when a cookie travels anyway (a shared parent cookie domain
    configured by mistake, a stolen or replayed cookie): the session records
    its city on the first authenticated request, and on another city's host
    the request gets a fresh, empty session and an anonymous user. The
    original session is left intact for its own city.

    Must run after ``AuthenticationMiddleware`` (which makes ``request.user``
    lazy, so nothing is loaded here before the check).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            bound = session.get(SESSION_CITY_KEY)
            if bound is None:
                session[SESSION_CITY_KEY] = session_binding(request)
            elif bound != session_binding(request):
                self._make_anonymous(request)
        response = self.get_response(request)
        # A login during this request (allauth's login view) binds here.
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(SESSION_KEY) is not None
            and SESSION_CITY_KEY not in session
        ):
            session[SESSION_CITY_KEY] = session_binding(request)
        return response

    def _make_anonymous(self, request: HttpRequest) -> None:
        request.session = self.session_store()
        anonymous = AnonymousUser()
        request.user = anonymous

        async def auser() -> AnonymousUser:
            return anonymous

        request.auser = auser


#: Paths a person who has not accepted the city's new privacy notice may
#: still reach: the notice and its accept page, signing out, files, the
#: language switch, and the API (token clients cannot click "accept").
PRIVACY_EXEMPT_PREFIXES = (
    "/privacy/",
    "/accounts/logout/",
    "/api/",
    "/language/",
    "/i18n/",
    "/brand.css",
)


class PrivacyConsentMiddleware:
    """A signed-in person goes to the accept page while the city's privacy
    notice is at a version newer than the one they accepted
    (docs/privacy.md "Consent").

    Costs nothing in a city that never raised its version (version 1, the
    baseline); elsewhere one query per session and version (the answer is
    kept in the session). Must run after ``SessionCityMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.exempt = (
            *PRIVACY_EXEMPT_PREFIXES,
            settings.STATIC_URL,
            *((settings.MEDIA_URL,) if settings.MEDIA_URL.startswith("/") else ()),
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._redirect(request)
        return redirect if redirect is not None else self.get_response(request)

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        from civicideas.accounts import privacy
        from civicideas.accounts.rules import signed_in

        city = getattr(request, "city", None)
        if city is None or city.privacy_version <= privacy.BASELINE_VERSION:
            return None
        if request.path.startswith(self.exempt) or not signed_in(request.user):
            return None
        marker = f"{city.pk}:{city.privacy_version}"
        if request.session.get(privacy.SESSION_KEY) == marker:
            return None
        if not privacy.needs_acceptance(request.user, city):
            request.session[privacy.SESSION_KEY] = marker
            return None
        target = (
            f"{reverse('accounts:privacy_accept')}?{urlencode({'next': request.get_full_path()})}"
        )
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)
