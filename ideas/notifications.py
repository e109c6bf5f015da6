"""The notification kinds of the ideas app: what its services tell people
about ideas, comments and challenges (registered in ``IdeasConfig.ready``).

Services pass these constants to ``civicideas.notifications.outbox.notify``;
the wording, default channel and link of each kind live here, next to the
models they talk about.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from civicideas.notifications.kinds import Kind, ref_pk
from civicideas.notifications.models import Channel
from ideas.models import Challenge
from ideas.status import IdeaStatus


def status_label(code: str) -> str:
    """A status code as its label in the reader's language (the code itself
    for a status that no longer exists)."""
    try:
        return str(IdeaStatus(code).label)
    except ValueError:
        return code


#: Payload formats of the kinds that carry an idea's status.
STATUS_FORMATS = {"status": status_label}


def idea_link(notification: Any) -> str:
    """The idea's page (at the comment, for a comment)."""
    payload = notification.payload or {}
    idea_id = payload.get("idea")
    label = notification.subject_ref.partition(":")[0]
    if idea_id is None and label == "ideas.idea":
        idea_id = ref_pk(notification.subject_ref)
    if idea_id is None:
        return "/"
    try:
        path = reverse("ideas:idea", args=[int(idea_id)])
    except (NoReverseMatch, TypeError, ValueError):
        return "/"
    if label == "ideas.comment" and (pk := ref_pk(notification.subject_ref)):
        path = f"{path}#comment-{pk}"
    return path


def challenge_link(notification: Any) -> str:
    slug = (notification.payload or {}).get("slug")
    try:
        return reverse("ideas:challenge", args=[slug]) if slug else "/"
    except NoReverseMatch:
        return "/"


IDEA_RECEIVED = Kind(
    "idea_received",
    _("Your idea was received"),
    _("We received your idea “%(title)s”; a moderator will check it soon."),
    Channel.IMMEDIATELY,
    idea_link,
)
IDEA_PUBLISHED = Kind(
    "idea_published",
    _("Your idea is published"),
    _("Your idea “%(title)s” is published."),
    Channel.IMMEDIATELY,
    idea_link,
)
IDEA_HIDDEN = Kind(
    "idea_hidden",
    _("Your idea was hidden"),
    _("Your idea “%(title)s” was hidden by the moderators."),
    Channel.IMMEDIATELY,
    idea_link,
    details=("reason",),
)
IDEA_COMMENTED = Kind(
    "idea_commented",
    _("New comment on your idea"),
    _("Someone commented on your idea “%(title)s”."),
    Channel.DAILY,
    idea_link,
)
COMMENT_REPLIED = Kind(
    "comment_replied",
    _("Reply to your comment"),
    _("Someone replied to your comment on “%(title)s”."),
    Channel.DAILY,
    idea_link,
)
COMMENT_HIDDEN = Kind(
    "comment_hidden",
    _("Your comment was hidden"),
    _("One of your comments was hidden by the moderators."),
    Channel.IMMEDIATELY,
    idea_link,
    details=("reason",),
)
IDEA_STATUS_CHANGED = Kind(
    "idea_status_changed",
    _("Status change and official answer"),
    _("The idea “%(title)s” is now: %(status)s."),
    Channel.DAILY,
    idea_link,
    details=("message",),
    formats=STATUS_FORMATS,
)


def challenge_now(notifications: list[Any]) -> dict[int, str]:
    """For "challenge opened" notices whose challenge no longer takes ideas:
    where it stands now (one query for the page). A challenge since deleted
    or made a draft again is said to be no longer open."""
    slugs = {(n.payload or {}).get("slug") for n in notifications} - {None}
    phases = dict(
        Challenge.objects.filter(slug__in=[str(s) for s in slugs]).values_list("slug", "phase")
    )
    P = Challenge.Phase
    words: dict[str, Any] = {
        P.SUPPORTS: _("No longer open for ideas: it is now open for supports."),
        P.EVALUATION: _("No longer open for ideas: it is now in evaluation."),
        P.RESULTS: _("No longer open for ideas: its results are published."),
        P.CLOSED: _("No longer open for ideas: it is now closed."),
    }
    lines = {}
    for n in notifications:
        phase = phases.get(str((n.payload or {}).get("slug")))
        if phase == P.IDEAS:
            continue
        lines[n.pk] = str(words.get(phase or "", _("This challenge is no longer open.")))
    return lines


CHALLENGE_OPENED = Kind(
    "challenge_opened",
    _("New challenge opened"),
    _("A new challenge is open for ideas: “%(title)s”."),
    Channel.WEEKLY,
    challenge_link,
    current=challenge_now,
    details=("summary",),
)

#: In the order of the preferences page.
KINDS = (
    IDEA_RECEIVED,
    IDEA_PUBLISHED,
    IDEA_HIDDEN,
    IDEA_COMMENTED,
    COMMENT_REPLIED,
    COMMENT_HIDDEN,
    IDEA_STATUS_CHANGED,
    CHALLENGE_OPENED,
)
