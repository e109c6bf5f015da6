"""A clear answer when PostgreSQL is unreachable: 503 with ``Retry-After``.

Django turns an exception raised anywhere in the stack — a view, the API,
or a middleware such as the city middleware, whose Domain lookup is often
the first query of a request — into a response at the layer where it was
raised, through the ``handler500`` view; a middleware further out never sees
the exception, only the 500. So the mapping lives in ``handler500``
(``server_error`` below, named in the root URLconf): when the exception being
handled is a database connection failure (``OperationalError`` or
``InterfaceError``, as psycopg raises when the server is gone or restarting),
the answer is a 503 instead of the 500 page:

* pages: a short page in the site's layout, translated, rendered without the
  request's context processors (they would read the session or the user, i.e.
  the database that just failed);
* paths under ``/api/``: ``{"code": "service_unavailable", "detail": ...}``.

The response then passes back out through every outer middleware, so the
security headers are set on it like on any other response. Nothing is
half-written: a request runs in one transaction (``CityMiddleware``), which the
server rolls back when the connection dies. Recovery needs no restart:
``CONN_HEALTH_CHECKS`` and the end-of-request clean-up drop the broken
connection and the next request opens a new one.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation

from civicideas.api import errors as api_errors
from civicideas.api.errors import error_response
from civicideas.tenancy.languages import choose_language

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True when ``exc`` (or an exception it was raised from) is a database
    connection failure."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 for ``request``: JSON under ``/api/``, a short page elsewhere."""
    language = getattr(request, "LANGUAGE_CODE", None) or choose_language(request, None)
    with translation.override(language):
        if api_errors.is_api_path(request):
            response: HttpResponse = error_response(503)
        else:
            html = loader.render_to_string(
                "errors/503.html", {"retry_after_seconds": RETRY_AFTER_SECONDS}
            )
            response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Language", language)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a 503 for database outages, the 500 otherwise (JSON
    under ``/api/``, the site's page elsewhere)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return api_errors.server_error(request)
