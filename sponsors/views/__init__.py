"""Pages of groups, initiatives and sponsors (namespace ``sponsors``).

Plain HTML forms, so everything works without JavaScript. Views hold no
rules: they parse with ``sponsors.forms``, read through
``sponsors.selectors`` and change things through ``sponsors.services``.
Lookups answer 404 for "missing", "another city's" and "not yours" alike.

One module per page family -- ``initiatives`` (and their needs and
updates), ``groups`` (and ideas on behalf of a group), ``profiles`` (sponsor
sign-up, dashboard, profile, members), ``offers`` -- with the shared lookups
in ``common``. Re-exported here, so ``sponsors.urls`` names ``views.x``.
"""

from sponsors.views.groups import (
    group_create,
    group_detail,
    group_list,
    idea_group_link,
    idea_initiative_create,
)
from sponsors.views.initiatives import (
    initiative_action,
    initiative_create,
    initiative_detail,
    initiative_edit,
    initiative_list,
    need_add,
    need_close,
    update_post,
)
from sponsors.views.offers import offer_decide, offer_make, offer_withdraw
from sponsors.views.profiles import (
    my_sponsor,
    sponsor_dashboard,
    sponsor_edit,
    sponsor_members,
    sponsor_signup,
)

__all__ = [
    "group_create",
    "group_detail",
    "group_list",
    "idea_group_link",
    "idea_initiative_create",
    "initiative_action",
    "initiative_create",
    "initiative_detail",
    "initiative_edit",
    "initiative_list",
    "my_sponsor",
    "need_add",
    "need_close",
    "offer_decide",
    "offer_make",
    "offer_withdraw",
    "sponsor_dashboard",
    "sponsor_edit",
    "sponsor_members",
    "sponsor_signup",
    "update_post",
]
