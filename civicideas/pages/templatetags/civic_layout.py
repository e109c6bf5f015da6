"""``{% shared_layout "name" %}…{% endshared_layout %}``: a part of the base
layout rendered once per kind of visitor (``civicideas.pages.layout``)."""

from __future__ import annotations

from django import template
from django.template.base import NodeList, Parser, Token
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString

from civicideas.pages.layout import SharedFragments

register = template.Library()


class SharedLayoutNode(template.Node):
    #: Django walks a parent template's whole node tree on every render of
    #: a child (``ExtendsNode`` looking for blocks): not into this one,
    #: which may hold no block (checked when parsed).
    child_nodelists = ()

    def __init__(self, name: str, nodelist: NodeList) -> None:
        self.name = name
        self.nodelist = nodelist
        self.fragments = SharedFragments()

    def render(self, context: template.Context) -> SafeString:
        return self.fragments.render(self.nodelist, context)


@register.tag
def shared_layout(parser: Parser, token: Token) -> SharedLayoutNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("shared_layout takes one argument: a name")
    nodelist = parser.parse(("endshared_layout",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        # A child template's block would be rendered once for everyone.
        raise template.TemplateSyntaxError("shared_layout may not contain a block")
    return SharedLayoutNode(bits[1].strip("\"'"), nodelist)
