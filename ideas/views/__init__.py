"""The citizens' pages: challenges, submitting, an idea's page, my participation.

Server-rendered, every action a plain HTML form (works without JavaScript),
enhanced with htmx where it helps: the idea list, the support button and the
similar-ideas hint swap a template partial instead of reloading the page.

Views hold no rules: they parse input with ``ideas.forms``, read through
``ideas.selectors`` and change things only through ``ideas.services``. A
``ServiceError`` becomes a message with its 4xx status on action endpoints, or
a form error (200) on the submit and edit forms — never a 500.

One module per page family -- ``challenges`` (the challenge page and its
similar-ideas hint), ``submit``, ``idea_page`` (the idea's page and its
actions), ``participation`` -- with the shared helpers in ``common`` and the
idea order of the challenge page in ``ideas.shuffle``. Re-exported here, so
``ideas.urls`` names ``views.x``.
"""

from ideas.views.archive import challenge_list
from ideas.views.challenges import challenge_detail, challenge_similar
from ideas.views.city_map import city_map
from ideas.views.idea_page import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_report,
    idea_detail,
    idea_edit,
    idea_move_support,
    idea_report,
    idea_support,
    idea_withdraw,
)
from ideas.views.offline import idea_claim, idea_enter
from ideas.views.participation import my_participation
from ideas.views.printing import challenge_form, challenge_poster
from ideas.views.submit import idea_submit

__all__ = [
    "challenge_detail",
    "challenge_form",
    "challenge_list",
    "challenge_poster",
    "challenge_similar",
    "city_map",
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_report",
    "idea_claim",
    "idea_detail",
    "idea_edit",
    "idea_enter",
    "idea_move_support",
    "idea_report",
    "idea_submit",
    "idea_support",
    "idea_withdraw",
    "my_participation",
]
