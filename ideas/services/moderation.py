"""Reports, and what moderators do with ideas and comments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from civicideas.concurrency import bump_version, check_version
from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from ideas import cache_keys, rules
from ideas import notifications as kinds
from ideas.models import Comment, Idea, ModerationAction, Report, StatusChange
from ideas.services.comments import _set_comment_state
from ideas.services.common import REASON_MAX, _locked, _mark_changed, _record_status
from ideas.status import PUBLIC_STATUSES, IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def report_create(
    *, reporter: User, reason: str, idea: Idea | None = None, comment: Comment | None = None
) -> Report:
    """Report an idea or a comment. One open report per person and target;
    the challenge's threshold of open reports hides the content at once
    until a moderator looks at it."""
    if (idea is None) == (comment is None):
        raise InvalidInput(_("Report either an idea or a comment."))
    if not rules.can_report(reporter):
        raise NotAllowed(_("Sign in to report content."))
    reason = clean_text(reason, field=_("Reason"), max_length=REASON_MAX, required=True)
    target: Idea | Comment
    lookup: dict[str, Any]  # the filter of this person's open report on it
    if idea is not None:
        target = _locked(idea)
        if target.status not in PUBLIC_STATUSES:
            raise NotAllowed(_("This idea cannot be reported."))
        lookup = {"idea": target, "comment": None}
        challenge = target.challenge
    elif comment is not None:
        target = (
            Comment.objects.select_for_update().select_related("idea__challenge").get(pk=comment.pk)
        )
        if target.state != Comment.State.VISIBLE:
            raise NotAllowed(_("This comment cannot be reported."))
        lookup = {"comment": target}
        challenge = target.idea.challenge
    else:  # refused above; says so to type checkers
        raise InvalidInput(_("Report either an idea or a comment."))
    if Report.objects.filter(reporter=reporter, state=Report.State.OPEN, **lookup).exists():
        raise Conflict(_("You have already reported this."))
    report = Report.objects.create(
        city=current_city(),
        reporter=reporter,
        reason=reason,
        idea=lookup.get("idea"),
        comment=lookup.get("comment"),
    )
    target.report_count = F("report_count") + 1
    target.save(update_fields=["report_count"])
    target.refresh_from_db(fields=["report_count"])
    if target.report_count >= challenge.report_hide_threshold:
        reason_text = _("Hidden automatically after several reports, pending review.")
        if isinstance(target, Idea):
            if target.status != IdeaStatus.HIDDEN:
                _hide_idea(
                    target, by=None, reason=reason_text, action=ModerationAction.Action.AUTO_HIDE
                )
        elif target.state == Comment.State.VISIBLE:
            _set_comment_state(target, Comment.State.HIDDEN, reason_text)
            _mark_changed(target, by=None)
            ModerationAction.objects.create(
                city=target.city,
                comment=target,
                action=ModerationAction.Action.AUTO_HIDE,
                reason=reason_text,
            )
    return report


def _hide_idea(idea: Idea, *, by: User | None, reason: str, action: str) -> None:
    idea.status_before_hidden = idea.status
    idea.hidden_reason = reason
    # Auto-hidden: the record names the author, or for an idea without an
    # account the staff member who entered it (a constraint says it has one).
    recorder = by or idea.author or idea.entered_by
    if recorder is None:
        raise ValueError(f"Idea {idea.pk} has neither an author nor who entered it.")
    StatusChange.objects.create(
        city=idea.city,
        idea=idea,
        from_status=idea.status,
        to_status=IdeaStatus.HIDDEN,
        changed_by=recorder,
        message=reason,
        is_public=False,
    )
    idea.status = IdeaStatus.HIDDEN
    idea.save(
        update_fields=[
            "status",
            "status_before_hidden",
            "hidden_reason",
            *bump_version(idea, by=by),
        ]
    )
    cache_keys.idea_changed(idea)
    ModerationAction.objects.create(
        city=idea.city, idea=idea, action=action, moderator=by, reason=reason
    )
    notify(
        recipient_ids=[idea.author_id],
        kind=kinds.IDEA_HIDDEN,
        about=idea,
        payload={"title": idea.title, "reason": reason},
    )


def _resolve_reports(**target: Any) -> None:
    Report.objects.filter(state=Report.State.OPEN, **target).update(state=Report.State.RESOLVED)


@transaction.atomic
def idea_moderate(
    *,
    idea: Idea,
    moderator: User,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Idea:
    """Approve a pending idea, hide an idea (reason required, shown to the
    author) or restore a hidden one. Resolves its open reports; every action
    is in the moderation log.

    ``expected_version``: the idea's ``lock_version`` the moderator saw; a
    newer one (a colleague acted meanwhile) raises ``StaleEdit``."""
    if not rules.can_moderate(moderator):
        raise NotAllowed(_("Only moderators can do this."))
    idea = _locked(idea)
    check_version(idea, expected_version)
    reason = clean_text(reason, field=_("Reason"), max_length=REASON_MAX, required=False)
    Action = ModerationAction.Action
    if action == Action.APPROVE:
        if idea.status != IdeaStatus.PENDING:
            raise InvalidInput(_("Only ideas awaiting moderation can be approved."))
        _record_status(idea, to=IdeaStatus.PUBLISHED, by=moderator)
        idea.save(update_fields=["status", "published_at"])
        notify(
            recipient_ids=[idea.author_id],
            kind=kinds.IDEA_PUBLISHED,
            about=idea,
            payload={"title": idea.title},
        )
    elif action == Action.HIDE:
        if not reason:
            raise InvalidInput(_("Give the reason for hiding; the author will see it."))
        if idea.status in (IdeaStatus.HIDDEN, IdeaStatus.WITHDRAWN):
            raise InvalidInput(_("This idea is not visible."))
        _hide_idea(idea, by=moderator, reason=reason, action=Action.HIDE)  # bumps the version
        _resolve_reports(idea=idea)
        idea.report_count = 0
        idea.save(update_fields=["report_count"])
        return idea
    elif action == Action.RESTORE:
        if idea.status != IdeaStatus.HIDDEN:
            raise InvalidInput(_("Only hidden ideas can be restored."))
        previous = idea.status_before_hidden or IdeaStatus.PUBLISHED
        if previous in (IdeaStatus.SUBMITTED, IdeaStatus.PENDING):
            previous = IdeaStatus.PUBLISHED
        _record_status(idea, to=previous, by=moderator, message=reason)
        idea.hidden_reason = ""
        idea.report_count = 0
        idea.save(update_fields=["status", "hidden_reason", "report_count", "published_at"])
    elif action == Action.DISMISS:
        idea.report_count = 0
        idea.save(update_fields=["report_count"])
    else:
        raise InvalidInput(_("Unknown moderation action."))
    _mark_changed(idea, by=moderator)
    _resolve_reports(idea=idea)
    ModerationAction.objects.create(
        city=idea.city, idea=idea, action=action, moderator=moderator, reason=reason
    )
    return idea


@transaction.atomic
def comment_moderate(
    *,
    comment: Comment,
    moderator: User,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Comment:
    """Hide (reason required), restore or dismiss the reports of a comment.
    ``expected_version`` as in ``idea_moderate``."""
    if not rules.can_moderate(moderator):
        raise NotAllowed(_("Only moderators can do this."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    check_version(comment, expected_version)
    reason = clean_text(reason, field=_("Reason"), max_length=REASON_MAX, required=False)
    Action = ModerationAction.Action
    if action == Action.HIDE:
        if not reason:
            raise InvalidInput(_("Give the reason for hiding; the author will see it."))
        if comment.state != Comment.State.VISIBLE:
            raise InvalidInput(_("This comment is not visible."))
        _set_comment_state(comment, Comment.State.HIDDEN, reason)
        notify(
            recipient_ids=[comment.author_id],
            kind=kinds.COMMENT_HIDDEN,
            about=comment,
            payload={"idea": comment.idea_id, "reason": reason},
        )
    elif action in (Action.RESTORE, Action.APPROVE):
        if comment.state != Comment.State.HIDDEN:
            raise InvalidInput(_("Only hidden comments can be restored."))
        _set_comment_state(comment, Comment.State.VISIBLE)
        action = Action.RESTORE
    elif action != Action.DISMISS:
        raise InvalidInput(_("Unknown moderation action."))
    comment.report_count = 0
    comment.save(update_fields=["report_count", *bump_version(comment, by=moderator)])
    _resolve_reports(comment=comment)
    ModerationAction.objects.create(
        city=comment.city, comment=comment, action=action, moderator=moderator, reason=reason
    )
    return comment
