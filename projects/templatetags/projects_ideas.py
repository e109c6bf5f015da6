"""The project box of an idea's page (``templates/projects/_idea_project.html``,
included by ``templates/ideas/idea.html``), so the ``ideas`` app needs no
knowledge of projects. One query when the idea is in no project, two when it is."""

from __future__ import annotations

from django import template

from projects import selectors

register = template.Library()


@register.simple_tag
def idea_project(idea_id: int) -> selectors.IdeaProject | None:
    return selectors.project_of_idea(idea_id)
