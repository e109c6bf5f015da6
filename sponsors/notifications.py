"""The notification kinds of the sponsors app: groups, sponsors, offers,
introductions, the match fund and initiatives (registered in
``SponsorsConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicideas.notifications.kinds import Kind, admin_link
from civicideas.notifications.models import Channel

CITY_ADMINS = frozenset({"city_admin"})

GROUP_APPROVED = Kind(
    "group_approved",
    _("Group approved"),
    _("Your group “%(name)s” is approved."),
    Channel.IMMEDIATELY,
)
SPONSOR_VERIFIED = Kind(
    "sponsor_verified",
    _("Sponsor verified"),
    _("Your sponsor account “%(name)s” is verified."),
    Channel.IMMEDIATELY,
)
OFFER_RECEIVED = Kind(
    "offer_received",
    _("Offer received"),
    _("%(sponsor)s offered %(quantity)s for “%(initiative)s”."),
    Channel.IMMEDIATELY,
)
OFFER_ACCEPTED = Kind(
    "offer_accepted",
    _("Offer accepted"),
    _("Your offer for “%(initiative)s” was accepted: %(accepted)s %(unit)s."),
    Channel.IMMEDIATELY,
)
OFFER_DECLINED = Kind(
    "offer_declined",
    _("Offer declined"),
    _("Your offer for “%(initiative)s” was declined."),
    Channel.DAILY,
    details=("reason",),
)
INTRODUCTION = Kind(
    "introduction",
    _("Introduction by the city"),
    _("The city introduced %(sponsor)s and the initiative “%(initiative)s” to each other."),
    Channel.IMMEDIATELY,
    details=("message",),
)
OFFER_ACCEPTED_BY_GROUP = Kind(
    "offer_accepted_by_group",
    _("Offer accepted by your group"),
    _("Your group accepted the offer of %(sponsor)s for “%(initiative)s”."),
    Channel.DAILY,
)
OFFER_WITHDRAWN = Kind(
    "offer_withdrawn",
    _("Offer withdrawn"),
    _("%(sponsor)s withdrew an offer."),
    Channel.DAILY,
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
)
INITIATIVE_COMPLETED = Kind(
    "initiative_completed",
    _("Initiative completed"),
    _("The initiative “%(title)s” is completed."),
    Channel.DAILY,
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
