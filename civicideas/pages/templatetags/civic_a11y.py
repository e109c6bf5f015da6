"""Template helpers for accessibility that every layout shares (issue 20).

``{% lang_attr code %}`` marks content written in another language than the
page (WCAG 3.1.2); ``{% page_has_form_errors as errors %}`` lets the base
layout prefix the page title with "Error:" whenever a form on the page was
submitted with errors (WCAG 3.3.1), without each view having to say so.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from civicideas.pages.layout import (  # noqa: F401 - NAV_SECTIONS is public here too
    NAV_MARKERS,
    NAV_SECTIONS,
    layout_marker,
    nav_attribute,
)

register = template.Library()


def _primary(code: str | None) -> str:
    return (code or "").split("-")[0].split("_")[0].lower()


@register.simple_tag
def lang_attr(code: str | None) -> SafeString:
    """`` lang="fr"`` when ``code`` is a language other than the page's,
    else nothing: a French idea on an English page is read with a French
    voice, an English one adds no noise."""
    if not code or _primary(code) == _primary(get_language()):
        return mark_safe("")
    return format_html(' lang="{}"', code)


def _has_shown_errors(value: Any) -> bool:
    # type(), not isinstance(): isinstance would evaluate lazy context values
    # (the CSP nonce), and a page that made a nonce is no longer cacheable.
    return (
        issubclass(type(value), BaseForm)
        and value.is_bound
        # A form that never shows its errors (the idea list's filters fall
        # back to their defaults) does not make the page an error page.
        and getattr(value, "shows_errors", True)
        and bool(value.errors)
    )


@register.simple_tag(takes_context=True)
def page_has_form_errors(context: template.Context) -> bool:
    """Whether any bound form in the template context has errors to show."""
    return any(_has_shown_errors(value) for value in context.flatten().values())


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, section: str) -> SafeString:
    """`` aria-current="page"`` on the link to the page being shown, and
    `` aria-current="true"`` on its section's link on a page inside it (an
    idea, a challenge, an initiative), so the navigation says where one is.

    Inside a shared layout fragment (``civicideas.pages.layout``) it leaves
    a marker that the request's own page fills in."""
    if context.get(NAV_MARKERS):
        return SafeString(layout_marker("nav", section))
    request = context.get("request")
    path = getattr(request, "path", "") or ""
    return SafeString(nav_attribute(path, section))
