"""The groups and sponsors a person belongs to, linked from their profile
(``civicideas.accounts.profile_links``): one query for each, whatever the
number of memberships."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicideas.accounts.profile_links import ProfileLink
from sponsors.models import GroupMembership, SponsorMembership

#: More than anyone belongs to; the page stays bounded all the same.
LIMIT = 50


def links_for(user: Any) -> list[ProfileLink]:
    if not user.is_authenticated:
        return []
    groups = (
        GroupMembership.objects.filter(user_id=user.pk)
        .select_related("group")
        .order_by("role", "group__name", "group_id")[:LIMIT]
    )
    sponsors = (
        SponsorMembership.objects.filter(user_id=user.pk)
        .select_related("sponsor")
        .order_by("sponsor__name", "sponsor_id")[:LIMIT]
    )
    return [
        *(
            ProfileLink(
                section=_("Your groups"),
                label=m.group.name,
                url=reverse("sponsors:group", args=[m.group_id]),
                role=m.get_role_display(),
            )
            for m in groups
        ),
        *(
            ProfileLink(
                section=_("Your sponsors"),
                label=m.sponsor.name,
                url=reverse("sponsors:dashboard", args=[m.sponsor_id]),
                role=m.get_role_display(),
            )
            for m in sponsors
        ),
    ]
