"""Bind a logged-in session to the host (city) it was created on."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

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
