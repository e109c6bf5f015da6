"""View decorators every app's server-rendered pages share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from civicideas.errors import ServiceError
from civicideas.web.errors import error_response

View = Callable[..., HttpResponse]


def city_required(view: View) -> View:
    """These pages exist on city hosts only; the platform host has no ideas."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "city", None) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def service_errors(view: View) -> View:
    """Safety net: a ``ServiceError`` a view did not handle itself becomes a
    page with the service's message and its 4xx status, never a 500."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ServiceError as error:
            return error_response(request, error)

    return wrapper
