"""The admin's list of apps and its navigation sidebar, kept per viewer kind
(issue 17).

Django builds the app list on every admin page (``each_context``): every
model admin's module, view, add, change and delete permissions and a
``reverse`` for each model, then renders the sidebar from it: together
about 9 ms of a change list's 30 at 100,000 ideas. Both depend only on
what the code registers, on the viewer's permissions and on the language.
Permissions here come from the roles in the current city, superuser and
active flags, and the platform host (``civicideas.tenancy.backends``,
the model admins' ``has_*_permission``), so the list is kept per process
under those, the city, the language and the URL prefix. Nothing to
invalidate: a role change is a new key; a deploy starts new processes.

The sidebar marks the app and model of the current page (``current-app``,
``current-model``, ``aria-current``): the key holds which of the list's
URLs the path contains, so each page gets its own marks. The index's table
of apps (Django's ``admin/app_list.html``, the same list with the same
marks) is kept the same way under its own name: 11,000 template nodes,
a third of the index's time at 100,000 ideas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.template.defaultfilters import urlencode
from django.urls import get_script_prefix
from django.utils.translation import get_language

from civicideas.tenancy.permissions import roles_in_current_city

#: Entries per process in each memo; past this the memo starts afresh.
MAX_ENTRIES = 512

_app_lists: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
_sidebars: dict[tuple[Any, ...], str] = {}


def viewer_key(request: HttpRequest) -> tuple[Any, ...]:
    """Everything the app list depends on besides the code."""
    user: Any = request.user
    city = getattr(request, "city", None)
    return (
        city.pk if city is not None else None,
        bool(getattr(request, "is_platform", False)),
        bool(getattr(user, "is_active", False)),
        bool(getattr(user, "is_superuser", False)),
        tuple(sorted(roles_in_current_city(user))),
        get_language(),
        get_script_prefix(),
    )


def _remember[V](memo: dict[tuple[Any, ...], V], key: tuple[Any, ...], value: V) -> V:
    if len(memo) >= MAX_ENTRIES:
        memo.clear()
    memo[key] = value
    return value


def app_list(
    request: HttpRequest, app_label: str | None, build: Callable[[], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """``build()`` (Django's ``get_app_list``) once per viewer kind. The
    list is shared: callers (the admin's templates) only read it."""
    key = (*viewer_key(request), app_label)
    found = _app_lists.get(key)
    if found is None:
        found = _remember(_app_lists, key, build())
    return found


def sidebar(request: HttpRequest, apps: list[dict[str, Any]], render: Callable[[], str]) -> str:
    """The rendered sidebar for this viewer kind and the page's marks:
    ``render()`` once per (viewer kind, current app and model)."""
    return rendered(request, apps, "sidebar", render)


def rendered(
    request: HttpRequest, apps: list[dict[str, Any]], part: str, render: Callable[[], str]
) -> str:
    """``render()`` of the template ``part`` (the sidebar, the index's apps)
    drawn from ``apps`` alone, once per viewer kind and the page's marks."""
    path = urlencode(request.path)
    marks = tuple(
        url
        for app in apps
        for url in (app["app_url"], *(model["admin_url"] for model in app["models"]))
        if url and url in path
    )
    key = (*viewer_key(request), part, marks)
    found = _sidebars.get(key)
    if found is None:
        found = _remember(_sidebars, key, render())
    return found


def forget() -> None:
    """Empty both memos (tests)."""
    _app_lists.clear()
    _sidebars.clear()
