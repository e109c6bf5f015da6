"""The notification kinds of the sponsors app: groups, sponsors, offers,
introductions, the match fund and initiatives (registered in
``SponsorsConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicideas.notifications.kinds import Kind, admin_link
from civicideas.notifications.models import Channel

CITY_ADMINS = frozenset({"city_admin"})
#: Audiences (``civicideas.notifications.kinds.register_audience``, in
#: ``SponsorsConfig.ready``): who can receive a kind at all, so the
#: preferences page offers a citizen only what can reach them.
SPONSOR_MEMBER = "sponsor_member"
GROUP_MEMBER = "group_member"
VOLUNTEER = "volunteer"  # has offered help in their own name
OFFERERS = frozenset({SPONSOR_MEMBER, VOLUNTEER})
GROUPS = frozenset({GROUP_MEMBER})
INVOLVED = frozenset({SPONSOR_MEMBER, VOLUNTEER, GROUP_MEMBER})

GROUP_APPROVED = Kind(
    "group_approved",
    _("Group approved"),
    _("Your group “%(name)s” is approved."),
    Channel.IMMEDIATELY,
    audiences=GROUPS,
)
SPONSOR_VERIFIED = Kind(
    "sponsor_verified",
    _("Sponsor verified"),
    _("Your sponsor account “%(name)s” is verified."),
    Channel.IMMEDIATELY,
    audiences=frozenset({SPONSOR_MEMBER}),
)
OFFER_RECEIVED = Kind(
    "offer_received",
    _("Offer received"),
    _("%(sponsor)s offered %(quantity)s for “%(initiative)s”."),
    Channel.IMMEDIATELY,
    audiences=GROUPS,
)
OFFER_ACCEPTED = Kind(
    "offer_accepted",
    _("Offer accepted"),
    _("Your offer for “%(initiative)s” was accepted: %(accepted)s %(unit)s."),
    Channel.IMMEDIATELY,
    audiences=OFFERERS,
)
OFFER_DECLINED = Kind(
    "offer_declined",
    _("Offer declined"),
    _("Your offer for “%(initiative)s” was declined."),
    Channel.DAILY,
    details=("reason",),
    audiences=OFFERERS,
)
INTRODUCTION = Kind(
    "introduction",
    _("Introduction by the city"),
    _("The city introduced %(sponsor)s and the initiative “%(initiative)s” to each other."),
    Channel.IMMEDIATELY,
    details=("message",),
    audiences=frozenset({SPONSOR_MEMBER, GROUP_MEMBER}),
)
OFFER_ACCEPTED_BY_GROUP = Kind(
    "offer_accepted_by_group",
    _("Offer accepted by your group"),
    _("Your group accepted the offer of %(sponsor)s for “%(initiative)s”."),
    Channel.DAILY,
    audiences=GROUPS,
)
OFFER_WITHDRAWN = Kind(
    "offer_withdrawn",
    _("Offer withdrawn"),
    _("%(sponsor)s withdrew an offer."),
    Channel.DAILY,
    audiences=GROUPS,
)
MATCH_PLEDGED = Kind(
    "match_pledged",
    _("Match fund pledge"),
    _("The match fund added %(matched)s EUR to “%(initiative)s”."),
    Channel.DAILY,
    admin_link,
    roles=CITY_ADMINS,
)
GROUP_TO_APPROVE = Kind(
    "group_to_approve",
    _("Community group to approve"),
    _("The community group “%(name)s” awaits approval."),
    Channel.DAILY,
    admin_link,
    roles=CITY_ADMINS,
)
SPONSOR_TO_VERIFY = Kind(
    "sponsor_to_verify",
    _("Sponsor to verify"),
    _("The sponsor “%(name)s” awaits verification."),
    Channel.DAILY,
    admin_link,
    roles=CITY_ADMINS,
)
IDEA_BECAME_INITIATIVE = Kind(
    "idea_became_initiative",
    _("Idea turned into an initiative"),
    _("The idea “%(idea)s” became the initiative “%(title)s” of %(group)s."),
    Channel.IMMEDIATELY,
)
INITIATIVE_CANCELLED = Kind(
    "initiative_cancelled",
    _("Initiative cancelled"),
    _("The initiative “%(title)s” was cancelled."),
    Channel.DAILY,
    audiences=INVOLVED,
)
INITIATIVE_COMPLETED = Kind(
    "initiative_completed",
    _("Initiative completed"),
    _("The initiative “%(title)s” is completed."),
    Channel.DAILY,
    audiences=INVOLVED,
)

#: In the order of the preferences page.
KINDS = (
    GROUP_APPROVED,
    SPONSOR_VERIFIED,
    OFFER_RECEIVED,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    INTRODUCTION,
    OFFER_ACCEPTED_BY_GROUP,
    OFFER_WITHDRAWN,
    MATCH_PLEDGED,
    GROUP_TO_APPROVE,
    SPONSOR_TO_VERIFY,
    IDEA_BECAME_INITIATIVE,
    INITIATIVE_CANCELLED,
    INITIATIVE_COMPLETED,
)
