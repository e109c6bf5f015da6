"""The admin's heavier pieces, lighter (issue 17): ``{% lean_result_list cl %}``
is Django's ``{% result_list cl %}`` (same template, same per-model
overrides) with the rows written by ``civicideas.tenancy.admin_rows``;
``{% nav_sidebar %}`` is Django's sidebar and ``{% index_app_list %}`` the
index's table of apps, kept per viewer kind (``civicideas.tenancy.admin_nav``);
``{% shared_admin_actions %}`` is Django's ``{% admin_actions %}`` kept by
content (``civicideas.tenancy.admin_actions``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList
from django.template import Context, Engine
from django.template.library import InclusionNode
from django.utils.safestring import SafeString, mark_safe

from civicideas.tenancy import admin_actions, admin_nav, admin_pages
from civicideas.tenancy.admin_rows import lean_results, lean_rows_apply
from civicideas.web import fragment_cache

register = template.Library()


def lean_result_list(cl: ChangeList) -> dict[str, Any]:
    context = admin_list.result_list(cl) if not lean_rows_apply(cl) else _lean(cl)
    return context


def _lean(cl: ChangeList) -> dict[str, Any]:
    headers = list(admin_list.result_headers(cl))
    results = lean_results(cl)
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": results,
        # What Django's loop over the rows writes, whitespace included.
        "rows_html": mark_safe(  # noqa: S308 - rows written by admin_rows, escaped
            "".join([f"\n\n<tr>{row[0]}</tr>\n" for row in results])
        ),
    }


@register.tag(name="lean_result_list")
def lean_result_list_tag(parser: Any, token: Any) -> InclusionAdminNode:
    return InclusionAdminNode(
        "lean_result_list",
        parser,
        token,
        func=lean_result_list,
        template_name="lean_change_list_results.html",
        takes_context=False,
    )


def _bar_context(context: Context) -> Context:
    return context


class SharedActionsNode(InclusionAdminNode):
    """Django's ``{% admin_actions %}`` (same template, same per-model
    overrides, same ``action_index``), its text kept by content."""

    def render(self, context: Context) -> SafeString:
        opts = context["opts"]
        app_label, model_name = opts.app_label.lower(), opts.model_name
        template = context.template.engine.select_template(  # type: ignore[union-attr]
            [
                f"admin/{app_label}/{model_name}/{self.template_name}",
                f"admin/{app_label}/{self.template_name}",
                f"admin/{self.template_name}",
            ]
        )
        context.render_context[self] = template
        index: int = context.get("action_index", -1)  # type: ignore[assignment]
        context["action_index"] = index + 1
        key = admin_actions.bar_key(context, str(template.origin.name))
        text = admin_actions.shared_bar(key, lambda: InclusionNode.render(self, context))
        return mark_safe(text)  # noqa: S308 - rendered by Django's template


@register.tag(name="shared_admin_actions")
def shared_admin_actions_tag(parser: Any, token: Any) -> SharedActionsNode:
    return SharedActionsNode(
        "shared_admin_actions", parser, token, func=_bar_context, template_name="actions.html"
    )


@register.simple_tag(takes_context=True)
def nav_sidebar(context: Context) -> SafeString:
    """Django's ``admin/nav_sidebar.html``, rendered once per viewer kind and
    current page marks (``civicideas.tenancy.admin_nav``)."""
    engine = context.template.engine if context.template is not None else Engine.get_default()
    template = engine.get_template("admin/nav_sidebar.html")
    apps = context.get("available_apps") or []
    html = admin_nav.sidebar(context["request"], apps, lambda: template.render(context))
    return mark_safe(html)  # noqa: S308 - rendered by Django's template


@register.simple_tag(takes_context=True)
def index_app_list(context: Context) -> SafeString:
    """The index's ``{% include "admin/app_list.html" with app_list=app_list
    show_changelinks=True %}``, rendered once per viewer kind and current
    page marks (``civicideas.tenancy.admin_nav``)."""
    engine = context.template.engine if context.template is not None else Engine.get_default()
    template = engine.get_template("admin/app_list.html")
    apps = context.get("app_list") or []

    def render() -> str:
        with context.push(app_list=apps, show_changelinks=True):
            return template.render(context)

    html = admin_nav.rendered(context["request"], apps, "index_apps", render)
    return mark_safe(html)  # noqa: S308 - rendered by Django's template


@register.simple_tag
def lean_filters(cl: ChangeList) -> SafeString:
    """The list's filters (Django's ``{% admin_list_filter %}`` for each),
    kept by content (issue 17): the key holds each filter's class, template
    and attributes (its choices, the values chosen, the field) and the
    list's query string, which is all its links are made of; and the
    language (``fragment_cache.addressed``). Lists with counts (facets, read
    from the data) or a filter of another kind are rendered as Django does."""

    def render() -> str:
        specs: list[Any] = cl.filter_specs
        return "".join(admin_list.admin_list_filter(cl, spec) for spec in specs)

    parts = admin_pages.filter_parts(cl)
    if parts is None:
        return mark_safe(render())  # noqa: S308 - rendered by Django's templates
    (html,) = fragment_cache.addressed("admin-filters", [(parts, render)])
    return html
