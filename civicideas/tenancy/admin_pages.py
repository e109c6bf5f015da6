"""A change list page kept whole, by content (issue 17).

With its rows, filters, action bar and sidebar kept (``admin_rows``,
``city_admin_list``, ``admin_actions``, ``admin_nav``), what was left of an
admin list's time at 100,000 ideas was Django's templates around them:
the head's stylesheets and scripts (``{% static %}``, the list's media),
the header, breadcrumbs, search form, pagination and object tools, some
600 template nodes for markup that is the same on every view of an
unchanged list. ``kept_change_list`` keeps the rendered page under a key
made of **every value it shows**, and each request fills in the two parts
that are its own: the CSRF token and the CSP nonce, rendered as markers.

The key, read before anything is rendered:

* the viewer: the city, the roles and flags the permissions come from,
  the language, the URL prefix (``admin_nav.viewer_key``), and what the
  header shows of the person (their name, whether they have a password),
  so a page is kept per person;
* the request's path and query string (filters, sorting, search, page,
  preserved filters) and the time zone (name and current offset);
* the view's context, value by value: plain values as they are, the list
  (``ChangeList``) attribute by attribute, its rows by what each shows
  (``admin_rows.rows_parts``: the same keys the kept rows have), its
  filters by their state (``filter_parts``), the action form by its fields
  (``admin_actions.form_parts``), the media by their files.

Fail closed: a context value or list attribute of a kind the key cannot
read (an object without a meaningful ``repr``), rows that cannot say what
they show, an editable list, a date hierarchy, filters with counts, or a
request with messages to show: the page is rendered as Django does and not
kept. A changed value is a new key, so nothing is ever invalidated and no
page can be stale; kept pages live as long as the other fragments
(``fragment_cache``, in Redis, shared by the web processes).

What the key does not hold, the templates do not show: Django's and our
change list templates read the context, the request's path, the user's
name and the messages; attributes starting with ``_`` are out of a
template's reach.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import filters
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.db.models.options import Options
from django.forms import Form, Media
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import Promise

from civicideas.tenancy import admin_actions, admin_nav
from civicideas.tenancy.admin_rows import lean_rows_apply, rows_parts
from civicideas.web import fragment_cache

#: Bumped when what a kept page holds changes shape.
VERSION = 1

_NOT_KEPT: Any = object()

#: Context values every admin page has that a change list does not show
#: from the value itself: the sidebar's apps follow from the viewer (in the
#: key), the recent actions are the index page's.
_FROM_VIEWER = frozenset({"available_apps", "log_entries"})

#: Filters whose markup is a function of their attributes and the list's
#: query string (Django's own ``choices``): those kept by content.
_KNOWN_CHOICES = {
    cls.choices
    for cls in (
        filters.SimpleListFilter,
        filters.BooleanFieldListFilter,
        filters.ChoicesFieldListFilter,
        filters.DateFieldListFilter,
        filters.AllValuesFieldListFilter,
        filters.RelatedFieldListFilter,
        filters.EmptyFieldListFilter,
    )
}


def _nonce_mark() -> str:
    """The CSP nonce's stand-in in a kept page: the same in every process
    (pages are shared through Redis), unguessable from outside (derived
    from the secret key), letters and digits only (no escaping changes it)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"admin-page-nonce", hashlib.sha256)
    return "nonce" + digest.hexdigest()[:24]


def filter_parts(cl: ChangeList) -> list[Any] | None:
    """Every value the list's filters show (each filter's class, template
    and attributes, the list's parameters), or None when one cannot say."""
    if cl.add_facets:
        return None
    parts: list[Any] = [cl.opts.label, sorted(cl.params.items())]
    for spec in cl.filter_specs:
        if type(spec).choices not in _KNOWN_CHOICES:
            return None
        state = {
            name: (str(value) if name == "field" else value)
            for name, value in vars(spec).items()
            if name != "request"
        }
        text = repr(state)
        if " at 0x" in text:  # an object without a meaningful repr
            return None
        parts.append((type(spec).__qualname__, spec.template, str(spec.title), text))
    return parts


def _plain(value: Any) -> Any:
    """``value`` as a key part when it is made of plain values, else
    ``_NOT_KEPT``."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = [_plain(item) for item in value]
        return _NOT_KEPT if any(item is _NOT_KEPT for item in items) else tuple(items)
    if isinstance(value, dict):
        pairs = [(_plain(k), _plain(v)) for k, v in value.items()]
        if any(k is _NOT_KEPT or v is _NOT_KEPT for k, v in pairs):
            return _NOT_KEPT
        return tuple(pairs)
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return _NOT_KEPT


def _list_parts(cl: ChangeList) -> Any:
    """Every attribute of the list a template can read, as key parts."""
    if not lean_rows_apply(cl) or cl.date_hierarchy:
        return _NOT_KEPT
    rows = rows_parts(cl)
    shown_filters = filter_parts(cl)
    if rows is None or shown_filters is None:
        return _NOT_KEPT
    parts: list[Any] = [rows, shown_filters]
    for name, value in sorted(vars(cl).items()):
        if name.startswith("_") or name in ("request", "filter_specs"):
            continue  # out of a template's reach; the request's parts are in the key
        if name in ("queryset", "root_queryset"):
            continue  # read through ``result_list`` and the counts below
        if name == "result_list":
            part: Any = len(value)
        elif name == "model_admin":
            part = f"{type(value).__module__}.{type(value).__qualname__}"
        elif name in ("opts", "lookup_opts"):
            part = value.label
        elif name == "paginator":
            part = (type(value).__qualname__, value.count, value.per_page, value.orphans)
        else:
            part = _plain(value)
        if part is _NOT_KEPT:
            return _NOT_KEPT
        parts.append((name, part))
    return parts


def _context_parts(context: dict[str, Any]) -> list[Any] | None:
    """Each context value as a key part, or None when one cannot be read:
    a value the key skipped could be shown stale."""
    parts: list[Any] = []
    for name in sorted(context):
        value = context[name]
        if name in _FROM_VIEWER:
            continue
        if isinstance(value, ChangeList):
            part: Any = _list_parts(value)
        elif isinstance(value, Media):
            text = repr(value)
            part = _NOT_KEPT if " at 0x" in text else text
        elif isinstance(value, Form):
            fields = admin_actions.form_parts(value)
            part = _NOT_KEPT if fields is None else fields
        elif isinstance(value, Model):
            part = (value._meta.label, value.pk, str(value))
        elif isinstance(value, Options):
            part = value.label
        elif isinstance(value, QuerySet):
            part = _NOT_KEPT
        else:
            part = _plain(value)
        if part is _NOT_KEPT:
            return None
        parts.append((name, part))
    return parts


def _person(user: Any) -> tuple[Any, ...]:
    """What the header shows of the signed-in person (``{% firstof
    user.get_short_name user.get_username %}``, the password link)."""
    short_name = getattr(user, "get_short_name", None)
    return (
        user.pk,
        short_name() if callable(short_name) else None,
        user.get_username(),
        user.has_usable_password(),
    )


def page_parts(request: HttpRequest, context: dict[str, Any]) -> list[Any] | None:
    """Every value the change list page shows, or None when it cannot be
    kept (see the module's docstring)."""
    if request.method != "GET" or len(messages.get_messages(request)):
        return None
    shown = _context_parts(context)
    if shown is None:
        return None
    user: Any = request.user
    now = timezone.localtime()
    return [
        VERSION,
        admin_nav.viewer_key(request),
        _person(user),
        request.get_host(),
        request.get_full_path(),
        timezone.get_current_timezone_name(),
        now.utcoffset(),
        shown,
    ]


def kept_change_list(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """``response`` (a change list's, not yet rendered) with its content from
    the kept page for its key, rendered and kept on a miss; the request's own
    CSRF token and CSP nonce filled in. Anything else is returned as it is."""
    if not isinstance(response, TemplateResponse) or response.is_rendered:
        return response
    context = response.context_data
    if not isinstance(context, dict):
        return response
    parts = page_parts(request, context)
    if parts is None:
        return response
    nonce = get_nonce(request)
    mark = _nonce_mark()
    context["csrf_token"] = fragment_cache.CSRF_PLACEHOLDER
    if nonce is not None:
        context["csp_nonce"] = mark

    def render() -> str:
        response.render()
        return response.content.decode(response.charset)

    (text,) = fragment_cache.addressed("admin-page", [(parts, render)])
    page = str(fragment_cache.with_csrf(text, request))
    if mark in page:
        page = page.replace(mark, str(nonce) if nonce is not None else "")
    response.content = page
    return response
