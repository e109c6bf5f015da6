"""What each kind of notification is: its label, default channel, wording,
link and who may receive it.

The registry is the one place that knows how a kind reads; the outbox stores
only the kind's key and a JSON payload (what the message needs: titles,
reasons, ids), and delivery, the in-app page, preferences and digests all ask
the registry. A kind written by an app before it is registered here is still
delivered in-app, but never emailed (see ``delivery``).

Defaults do not flood: things about a person's own content that they must
act on or would miss (moderation of their idea, evaluator work) are sent
immediately; conversation and status news go to the daily digest; news about
ideas one merely follows to the weekly digest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicideas.inputs import parse_id
from civicideas.notifications.models import Channel


class _Blank(dict):
    """A payload for ``%`` formatting in which a missing key reads as ''."""

    def __missing__(self, key: str) -> str:
        return ""


def _ref_pk(ref: str) -> int | None:
    _label, _sep, pk = ref.partition(":")
    return parse_id(pk)


def _idea_link(notification: Any) -> str:
    payload = notification.payload or {}
    idea_id = payload.get("idea")
    label = notification.subject_ref.partition(":")[0]
    if idea_id is None and label == "ideas.idea":
        idea_id = _ref_pk(notification.subject_ref)
    if idea_id is None:
        return "/"
    try:
        path = reverse("ideas:idea", args=[int(idea_id)])
    except (NoReverseMatch, TypeError, ValueError):
        return "/"
    if label == "ideas.comment" and (pk := _ref_pk(notification.subject_ref)):
        path = f"{path}#comment-{pk}"
    return path


def _challenge_link(notification: Any) -> str:
    slug = (notification.payload or {}).get("slug")
    try:
        return reverse("ideas:challenge", args=[slug]) if slug else "/"
    except NoReverseMatch:
        return "/"


def _home_link(notification: Any) -> str:
    return "/"


def _admin_link(notification: Any) -> str:
    return "/admin/"


def _open_assignments_link(notification: Any) -> str:
    """The recipient's assignments in the admin ("My assignments" for an
    evaluator), narrowed to the challenge's ones not yet submitted."""
    challenge_id = (notification.payload or {}).get("challenge")
    if challenge_id is None and notification.subject_ref.startswith("ideas.challenge:"):
        challenge_id = _ref_pk(notification.subject_ref)
    try:
        path = reverse("admin:evaluation_assignment_changelist")
    except NoReverseMatch:
        return "/admin/"
    try:
        return f"{path}?challenge__id__exact={int(challenge_id)}&progress=open"
    except (TypeError, ValueError):
        return path


def _status_label(code: str) -> str:
    try:
        from ideas.status import IdeaStatus  # the ideas app defines the labels

        return str(IdeaStatus(code).label)
    except (ImportError, ValueError):
        return code


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise
    #: One line in the recipient's language; ``%(name)s`` reads the payload.
    summary: Promise
    default: Channel = Channel.DAILY
    #: Path on the city's host the message links to.
    link: Callable[[Any], str] = _home_link
    #: Roles a recipient must hold in the city (empty: anyone with an account).
    roles: frozenset[str] = field(default_factory=frozenset)
    #: Payload keys shown as extra paragraphs (a reason, an official answer).
    details: tuple[str, ...] = ()

    def text(self, payload: Mapping[str, Any] | None) -> str:
        values = _Blank({k: v for k, v in (payload or {}).items() if v is not None})
        if "status" in values:
            values["status"] = _status_label(str(values["status"]))
        return str(self.summary) % values

    def subject(self, payload: Mapping[str, Any] | None) -> str:
        # One header line, bounded: titles are user text and may hold anything.
        line = " ".join(self.text(payload).split())
        return line if len(line) <= 140 else f"{line[:139]}…"

    def detail_items(self, payload: Mapping[str, Any] | None) -> list[tuple[str, str]]:
        labels = {
            "reason": _("Reason"),
            "message": _("Message from the city"),
            "summary": _("Summary"),
        }
        return [
            (str(labels.get(key, key)), str(payload[key]))
            for key in self.details
            if payload and payload.get(key)
        ]

    def may_receive(self, roles: set[str]) -> bool:
        return not self.roles or bool(self.roles & roles)


_KINDS = [
    Kind(
        "idea_received",
        _("Your idea was received"),
        _("We received your idea “%(title)s”; a moderator will check it soon."),
        Channel.IMMEDIATELY,
        _idea_link,
    ),
    Kind(
        "idea_published",
        _("Your idea is published"),
        _("Your idea “%(title)s” is published."),
        Channel.IMMEDIATELY,
        _idea_link,
    ),
    Kind(
        "idea_hidden",
        _("Your idea was hidden"),
        _("Your idea “%(title)s” was hidden by the moderators."),
        Channel.IMMEDIATELY,
        _idea_link,
        details=("reason",),
    ),
    Kind(
        "idea_commented",
        _("New comment on your idea"),
        _("Someone commented on your idea “%(title)s”."),
        Channel.DAILY,
        _idea_link,
    ),
    Kind(
        "comment_replied",
        _("Reply to your comment"),
        _("Someone replied to your comment on “%(title)s”."),
        Channel.DAILY,
        _idea_link,
    ),
    Kind(
        "comment_hidden",
        _("Your comment was hidden"),
        _("One of your comments was hidden by the moderators."),
        Channel.IMMEDIATELY,
        _idea_link,
        details=("reason",),
    ),
    Kind(
        "idea_status_changed",
        _("Status change and official answer"),
        _("The idea “%(title)s” is now: %(status)s."),
        Channel.DAILY,
        _idea_link,
        details=("message",),
    ),
    Kind(
        "challenge_opened",
        _("New challenge opened"),
        _("A new challenge is open for ideas: “%(title)s”."),
        Channel.WEEKLY,
        _challenge_link,
        details=("summary",),
    ),
    Kind(
        "evaluator_assigned",
        _("Evaluation assigned to you"),
        _("You were asked to evaluate “%(title)s”."),
        Channel.IMMEDIATELY,
        _admin_link,
        roles=frozenset({"evaluator", "city_admin"}),
    ),
    Kind(
        "evaluation_due_soon",
        _("Evaluation due soon"),
        _("Your evaluations for “%(title)s” are due on %(due)s (%(left)s left)."),
        Channel.IMMEDIATELY,
        _open_assignments_link,
        roles=frozenset({"evaluator", "city_admin"}),
    ),
    Kind(
        "decision_taken",
        _("Decision on an idea you evaluated"),
        _("The city decided on “%(title)s”: %(status)s."),
        Channel.DAILY,
        _idea_link,
        roles=frozenset({"evaluator", "city_admin"}),
        details=("message",),
    ),
    Kind(
        "group_approved",
        _("Group approved"),
        _("Your group “%(name)s” is approved."),
        Channel.IMMEDIATELY,
    ),
    Kind(
        "sponsor_verified",
        _("Sponsor verified"),
        _("Your sponsor account “%(name)s” is verified."),
        Channel.IMMEDIATELY,
    ),
    Kind(
        "offer_received",
        _("Offer received"),
        _("%(sponsor)s offered %(quantity)s for “%(initiative)s”."),
        Channel.IMMEDIATELY,
    ),
    Kind(
        "offer_accepted",
        _("Offer accepted"),
        _("Your offer for “%(initiative)s” was accepted: %(accepted)s %(unit)s."),
        Channel.IMMEDIATELY,
    ),
    Kind(
        "offer_declined",
        _("Offer declined"),
        _("Your offer for “%(initiative)s” was declined."),
        Channel.DAILY,
        details=("reason",),
    ),
    Kind(
        "introduction",
        _("Introduction by the city"),
        _("The city introduced %(sponsor)s and the initiative “%(initiative)s” to each other."),
        Channel.IMMEDIATELY,
        details=("message",),
    ),
    Kind(
        "offer_accepted_by_group",
        _("Offer accepted by your group"),
        _("Your group accepted the offer of %(sponsor)s for “%(initiative)s”."),
        Channel.DAILY,
    ),
    Kind(
        "offer_withdrawn",
        _("Offer withdrawn"),
        _("%(sponsor)s withdrew an offer."),
        Channel.DAILY,
    ),
    Kind(
        "match_pledged",
        _("Match fund pledge"),
        _("The match fund added %(matched)s EUR to “%(initiative)s”."),
        Channel.DAILY,
        _admin_link,
        roles=frozenset({"city_admin"}),
    ),
    Kind(
        "group_to_approve",
        _("Community group to approve"),
        _("The community group “%(name)s” awaits approval."),
        Channel.DAILY,
        _admin_link,
        roles=frozenset({"city_admin"}),
    ),
    Kind(
        "sponsor_to_verify",
        _("Sponsor to verify"),
        _("The sponsor “%(name)s” awaits verification."),
        Channel.DAILY,
        _admin_link,
        roles=frozenset({"city_admin"}),
    ),
    Kind(
        "idea_became_initiative",
        _("Idea turned into an initiative"),
        _("The idea “%(idea)s” became the initiative “%(title)s” of %(group)s."),
        Channel.IMMEDIATELY,
    ),
    Kind(
        "initiative_cancelled",
        _("Initiative cancelled"),
        _("The initiative “%(title)s” was cancelled."),
        Channel.DAILY,
    ),
    Kind(
        "initiative_completed",
        _("Initiative completed"),
        _("The initiative “%(title)s” is completed."),
        Channel.DAILY,
    ),
    Kind(
        "scorecard_reopened",
        _("Scorecard reopened"),
        _("Your scorecard for “%(title)s” was reopened."),
        Channel.IMMEDIATELY,
        _admin_link,
        roles=frozenset({"evaluator", "city_admin"}),
        details=("reason",),
    ),
]

KINDS: dict[str, Kind] = {kind.key: kind for kind in _KINDS}

#: Shown for a kind nobody registered yet (in-app only, never emailed).
UNKNOWN = Kind("unknown", _("Notification"), _("You have a new notification."), Channel.OFF)


def get_kind(key: str) -> Kind | None:
    return KINDS.get(key)


def kind_or_unknown(key: str) -> Kind:
    return KINDS.get(key, UNKNOWN)


def register(kind: Kind) -> None:
    """For apps that add kinds of their own (call from ``AppConfig.ready``)."""
    KINDS[kind.key] = kind
