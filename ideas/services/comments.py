"""Comments: writing, editing, deleting, and the count of visible ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicideas.accounts.rules import link_refusal
from civicideas.accounts.services import profile_ensure
from civicideas.concurrency import bump_version
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.tenancy.languages import offered_codes
from civicideas.text import clean_text
from ideas import cache_keys, rules
from ideas import notifications as kinds
from ideas.models import COMMENT_MAX, Comment, Idea
from ideas.services.common import _locked, _mark_changed

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def comment_language(*, idea: Idea, language: str | None) -> str:
    """The language a comment is stored in.

    ``language`` is what the person wrote in: the page's language (views) or
    the one an API client names. It must be one the city offers: anything
    else is refused, since it ends up in a ``lang`` attribute. Without one
    (a script, the demo) the active language is taken when the city offers
    it, else the idea's, which is the language the person was reading.
    """
    offered = offered_codes(current_city())
    if language is not None:
        if language not in offered:
            raise InvalidInput(
                _("Choose one of the city's languages: %(languages)s.")
                % {"languages": ", ".join(offered)}
            )
        return language
    active = translation.get_language()
    return active if active in offered else idea.language


def _refuse_links(author: User, body: str) -> None:
    """No links from an account without a confirmed address (``link_refusal``)."""
    refusal = link_refusal(author, body)
    if refusal:
        raise InvalidInput(refusal)


@transaction.atomic
def comment_create(
    *,
    idea: Idea,
    author: User,
    body: str,
    parent: Comment | None = None,
    language: str | None = None,
) -> Comment:
    """Comment on a public idea, or reply to a top-level comment (one level),
    in ``language`` (see ``comment_language``)."""
    idea = _locked(idea)
    if not rules.can_comment(author, idea):
        raise NotAllowed(_("Comments are closed for this idea."))
    body = clean_text(body, field=_("Comment"), max_length=COMMENT_MAX, required=True)
    _refuse_links(author, body)
    language = comment_language(idea=idea, language=language)
    if parent is not None:
        if parent.idea_id != idea.pk or parent.state != Comment.State.VISIBLE:
            raise InvalidInput(_("You can only reply to a visible comment on this idea."))
        if parent.parent_id is not None:
            parent = parent.parent  # replies stay one level deep
    profile_ensure(user=author)
    comment = Comment.objects.create(
        city=idea.city, idea=idea, author=author, body=body, parent=parent, language=language
    )
    Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
    cache_keys.comments_changed(comment)
    recipients = {idea.author_id}
    if parent is not None:
        recipients.add(parent.author_id)
    recipients.discard(author.pk)
    if idea.author_id in recipients:
        notify(
            recipient_ids=[idea.author_id],
            kind=kinds.IDEA_COMMENTED,
            about=comment,
            payload={"idea": idea.pk, "title": idea.title},
        )
    if parent is not None and parent.author_id in recipients and parent.author_id != idea.author_id:
        notify(
            recipient_ids=[parent.author_id],
            kind=kinds.COMMENT_REPLIED,
            about=comment,
            payload={"idea": idea.pk, "title": idea.title},
        )
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, by: User, body: str) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not rules.can_edit_comment(by, comment):
        raise NotAllowed(_("Comments can only be edited by their author within 15 minutes."))
    comment.body = clean_text(body, field=_("Comment"), max_length=COMMENT_MAX, required=True)
    _refuse_links(by, comment.body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", *bump_version(comment, by=by)])
    cache_keys.comments_changed(comment)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by: User) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not rules.can_delete_comment(by, comment):
        raise NotAllowed(_("You can only delete your own comments."))
    _set_comment_state(comment, Comment.State.DELETED)
    _mark_changed(comment, by=by)
    return comment


def _set_comment_state(comment: Comment, state: str, reason: str = "") -> None:
    """Keep ``Idea.comment_count`` equal to the number of visible comments."""
    was_visible = comment.state == Comment.State.VISIBLE
    comment.state = state
    comment.hidden_reason = reason
    comment.save(update_fields=["state", "hidden_reason"])
    cache_keys.comments_changed(comment)
    now_visible = state == Comment.State.VISIBLE
    if was_visible != now_visible:
        delta = 1 if now_visible else -1
        Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") + delta)
