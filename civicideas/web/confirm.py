"""The confirmation step of a destructive action (withdraw an idea, delete a
comment, cancel an initiative, withdraw an offer).

The page's button is a link to the action's URL (GET), which answers with
this page: what will happen, a POST form that does it, and a way back. It
works without JavaScript, is one more page in the history (the browser's
back button is "no"), and a GET changes nothing. The POST itself is
unchanged, so the API and scripts that post directly are not affected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def confirm_page(
    request: HttpRequest,
    *,
    title: Any,
    consequence: Any,
    button: Any,
    back: str,
    hidden: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """The page that asks "are you sure?" and posts to the same URL."""
    return TemplateResponse(
        request,
        "confirm.html",
        {
            "title": title,
            "consequence": consequence,
            "button": button,
            "back": back,
            "action": request.path,
            "hidden": dict(hidden or {}),
        },
    )
