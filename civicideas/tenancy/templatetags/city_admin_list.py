"""The admin's heavier pieces, lighter (issue 17): ``{% lean_result_list cl %}``
is Django's ``{% result_list cl %}`` (same template, same per-model
overrides) with the rows written by ``civicideas.tenancy.admin_rows``;
``{% nav_sidebar %}`` is Django's sidebar kept per viewer kind
(``civicideas.tenancy.admin_nav``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList
from django.template import Context
from django.utils.safestring import SafeString, mark_safe

from civicideas.tenancy import admin_nav
from civicideas.tenancy.admin_rows import lean_results, lean_rows_apply

register = template.Library()


def lean_result_list(cl: ChangeList) -> dict[str, Any]:
    context = admin_list.result_list(cl) if not lean_rows_apply(cl) else _lean(cl)
    return context


def _lean(cl: ChangeList) -> dict[str, Any]:
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": lean_results(cl),
    }


@register.tag(name="lean_result_list")
def lean_result_list_tag(parser: Any, token: Any) -> InclusionAdminNode:
    return InclusionAdminNode(
        "lean_result_list",
        parser,
        token,
        func=lean_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


@register.simple_tag(takes_context=True)
def nav_sidebar(context: Context) -> SafeString:
    """Django's ``admin/nav_sidebar.html``, rendered once per viewer kind and
    current page marks (``civicideas.tenancy.admin_nav``)."""
    template = context.template.engine.get_template("admin/nav_sidebar.html")
    apps = context.get("available_apps") or []
    html = admin_nav.sidebar(context["request"], apps, lambda: template.render(context))
    return mark_safe(html)  # noqa: S308 - rendered by Django's template
