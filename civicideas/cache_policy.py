"""Which responses a cache may keep: one rule for the whole site.

A page that belongs to one person (their participation, notifications,
profile with token prefixes, sponsor dashboard, the admin, sign-in and
account pages, the API answering a signed-in client) must never be stored by
a browser's back-forward cache on a shared computer, a proxy or our own page
cache (``civicideas.web.page_cache``). Such responses are sent with
``Cache-Control: private, no-store`` (Django's ``add_never_cache_headers``).

A view is personal when

* its URL namespace is one of ``PRIVATE_NAMESPACES`` (the admin, accounts,
  notifications), or it is one of django-allauth's views;
* it is decorated with ``@private_page`` (or a class-based view sets
  ``private_page = True``), for personal pages inside public namespaces;
* it is an API view that authenticated a user (session or token): what the
  API returns depends on who asks.

Any other response to a signed-in person whose view set no ``Cache-Control``
gets ``private``: shared caches must not keep a page with someone's name in
its header, but the browser may. Public pages for anonymous visitors keep
the caching their views chose.

``PrivatePageMiddleware`` applies the rule to the response of every resolved
view, errors included; it sits among the security-header middlewares at the
top of ``MIDDLEWARE`` so nothing inside it can skip it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import empty

PRIVATE_NAMESPACES = frozenset({"admin", "accounts", "notifications"})
#: Views of these packages are account pages (sign-in, sign-up, e-mail, password).
PRIVATE_VIEW_PACKAGES = frozenset({"allauth"})
API_NAMESPACE = "api"
_FLAG = "private_page"


def private_page[V: Callable[..., Any]](view: V) -> V:
    """Mark a view as one person's page (sent with ``private, no-store``)."""
    setattr(view, _FLAG, True)
    return view


def _view_is_flagged(func: Any) -> bool:
    if getattr(func, _FLAG, False):
        return True
    # Class-based views: Django's ``view_class``, DRF's ``cls`` (routers).
    return any(getattr(getattr(func, attr, None), _FLAG, False) for attr in ("view_class", "cls"))


def known_user(request: HttpRequest) -> Any:
    """The request's user if it was already looked up, else None.

    Never triggers the lookup: this runs on every response, including ones
    answered before authentication or while the database is down.
    """
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # AuthenticationMiddleware's lazy object
    return None if wrapped is empty else wrapped


def is_private(request: HttpRequest) -> bool:
    """Whether the view that answers ``request`` shows one person's data."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if PRIVATE_NAMESPACES.intersection(match.namespaces):
        return True
    if (getattr(match.func, "__module__", "") or "").split(".")[0] in PRIVATE_VIEW_PACKAGES:
        return True
    if _view_is_flagged(match.func):
        return True
    if API_NAMESPACE in match.namespaces:
        user = known_user(request)
        return bool(user is not None and user.is_authenticated)
    return False


def apply_cache_policy(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if is_private(request):
        # Replaces whatever the view said (public, max-age) with never-cache.
        response.headers.pop("Cache-Control", None)
        add_never_cache_headers(response)
        return response
    user = known_user(request)
    if user is not None and user.is_authenticated and "Cache-Control" not in response:
        patch_cache_control(response, private=True)
    return response


class PrivatePageMiddleware:
    """Apply ``apply_cache_policy`` to every response (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return apply_cache_policy(request, self.get_response(request))
