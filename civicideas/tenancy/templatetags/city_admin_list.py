"""``{% lean_result_list cl %}``: Django's ``{% result_list cl %}`` (same
template, same per-model overrides) with the rows written by
``civicideas.tenancy.admin_rows`` (issue 17)."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList

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
