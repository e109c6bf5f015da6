"""The sponsors box of an idea's page (``templates/sponsors/_idea_group.html``,
included by ``templates/ideas/idea.html``), so the ``ideas`` app needs no
knowledge of groups or initiatives.

One query for a reader (the idea's group and the initiative that came from
it, together). The idea's author adds one more for the groups to choose from
while the idea is not linked to a group; the author of an accepted idea with
a group adds at most one to know whether they administer an approved group.

The idea's page draws this box once for everyone (``ideas.idea_body``: no
``request`` in the context, so as for an anonymous reader) and again per
person only where it may differ: for the author and the city's staff, and
when the idea's initiative is not public yet (its group's members see the
link), which this tag says by adding ``"sponsors"`` to the context's
``personal_parts``.
"""

from __future__ import annotations

from typing import Any

from django import template

from civicideas.tenancy.permissions import is_city_staff
from sponsors import rules, selectors
from sponsors.models import GroupMembership

register = template.Library()


@register.simple_tag(takes_context=True)
def idea_group_box(context: template.Context, idea: Any) -> dict[str, Any]:
    """``{"group": {"pk", "name"} or None, "choices": groups the author may
    pick, "initiative_id": the initiative to link to or None,
    "initiative_pending": it exists but is not public, "can_convert": show the
    "turn into an initiative" link}``."""
    links = selectors.idea_links(idea.pk)
    personal_parts = context.get("personal_parts")
    if (
        personal_parts is not None
        and links.initiative_id is not None
        and not links.initiative_is_public
    ):
        personal_parts.add("sponsors")
    user = getattr(context.get("request"), "user", None)
    signed_in = user is not None and user.is_authenticated
    is_author = signed_in and idea.author_id == user.pk
    group = {"pk": links.group_id, "name": links.group_name} if links.group_id else None
    choices: list[Any] = []
    if group is None and is_author:
        choices = selectors.groups_to_submit_for(user)

    initiative_id = None
    initiative_pending = False
    can_convert = False
    if links.initiative_id is not None:
        visible = (
            links.initiative_is_public
            or (signed_in and is_city_staff(user))
            or links.initiative_group_id in rules.group_roles(user)
        )
        if visible:
            initiative_id = links.initiative_id
        else:
            initiative_pending = rules.may_convert_idea(user, idea)
    elif rules.may_convert_idea(user, idea):
        if is_city_staff(user):
            can_convert = True
        elif group is None:
            # The author's approved groups are loaded already (``choices``).
            roles = rules.group_roles(user)
            can_convert = any(roles.get(g.pk) == GroupMembership.Role.ADMIN for g in choices)
        else:
            can_convert = selectors.groups_for_idea_conversion(user, idea).exists()
    return {
        "group": group,
        "choices": choices,
        "initiative_id": initiative_id,
        "initiative_pending": initiative_pending,
        "can_convert": can_convert,
    }
