"""The group box of an idea's page (``templates/sponsors/_idea_group.html``,
included by ``templates/ideas/idea.html``), so the ``ideas`` app needs no
knowledge of groups. One query for a reader; the idea's author, while the
idea is not linked yet, adds one more for the groups to choose from."""

from __future__ import annotations

from typing import Any

from django import template

from sponsors import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def idea_group_box(context: template.Context, idea: Any) -> dict[str, Any]:
    """``{"group": the group or None, "choices": groups the author may pick}``."""
    group = selectors.idea_group(idea.pk)
    choices: list[Any] = []
    user = getattr(context.get("request"), "user", None)
    if group is None and user is not None and user.is_authenticated and idea.author_id == user.pk:
        choices = selectors.groups_to_submit_for(user)
    return {"group": group, "choices": choices}
