"""Everything that changes challenges' ideas, supports, comments and reports.

Views, admin actions, API views and tasks call these functions; each one
checks its rule (``ideas.rules``), writes in one transaction, keeps the
counters on ``Idea`` equal to the rows they count, and writes the
notifications of the change in the same transaction.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicideas.accounts.rules import link_refusal
from civicideas.accounts.services import profile_ensure
from civicideas.concurrency import bump_version, check_version
from civicideas.content.search_config import search_config
from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.tenancy.languages import offered_codes
from civicideas.text import clean_text
from ideas import cache_keys, rules
from ideas import notifications as kinds
from ideas.models import (
    BODY_MAX,
    COMMENT_MAX,
    TITLE_MAX,
    Category,
    Challenge,
    Comment,
    District,
    Idea,
    ModerationAction,
    Report,
    StatusChange,
    Support,
)
from ideas.status import OFFICIAL_STATUSES, PUBLIC_STATUSES, IdeaStatus, can_transition

REASON_MAX = 1000


def _mark_changed(obj: Idea | Comment, *, by: Any) -> None:
    """One version further (``civicideas.concurrency``): every change a
    person or a rule makes to an idea's status or text, or to a comment's
    state or text, so a form read before it is refused as stale.
    Counters (supports, comments, reports) are not decisions and do not
    bump it. Precondition: the caller holds the row lock."""
    obj.save(update_fields=bump_version(obj, by=by))


# --- ideas ------------------------------------------------------------------


def _check_idea_fields(
    *,
    challenge: Challenge,
    title: str,
    body: str,
    category: Category | None,
    district: District | None,
    latitude: Decimal | None,
    longitude: Decimal | None,
) -> tuple[str, str]:
    title = clean_text(title, field=_("Title"), max_length=TITLE_MAX, required=True)
    body = clean_text(body, field=_("Description"), max_length=BODY_MAX, required=True)
    city = current_city()
    allowed_categories = {c.pk for c in challenge.categories.all()}
    if category is not None and (
        category.city_id != city.pk
        or (allowed_categories and category.pk not in allowed_categories)
    ):
        raise InvalidInput(_("Choose one of the challenge's categories."))
    allowed_districts = {d.pk for d in challenge.districts.all()}
    if district is not None and (
        district.city_id != city.pk or (allowed_districts and district.pk not in allowed_districts)
    ):
        raise InvalidInput(_("Choose one of the challenge's districts."))
    if (latitude is None) != (longitude is None):
        raise InvalidInput(_("Give both latitude and longitude, or neither."))
    if latitude is not None and not city.contains_point(latitude, longitude):
        raise InvalidInput(_("The location must be inside %(city)s.") % {"city": city.name})
    return title, body


def _refresh_search_vector(idea: Idea) -> None:
    config = search_config(idea.language)
    Idea.objects.filter(pk=idea.pk).update(
        search_vector=SearchVector(Value(idea.title), weight="A", config=config)
        + SearchVector(Value(idea.body), weight="B", config=config)
    )


def _record_status(
    idea: Idea, *, to: str, by: Any, message: str = "", official: bool = False
) -> StatusChange:
    change = StatusChange.objects.create(
        city=idea.city,
        idea=idea,
        from_status=idea.status,
        to_status=to,
        changed_by=by,
        message=message,
        is_official=official,
        is_public=to in PUBLIC_STATUSES or official,
    )
    idea.status = to
    if to == IdeaStatus.PUBLISHED and idea.published_at is None:
        idea.published_at = timezone.now()
    cache_keys.idea_changed(idea)
    return change


@transaction.atomic
def idea_submit(
    *,
    author: Any,
    challenge: Challenge,
    title: str,
    body: str,
    language: str,
    category: Category | None = None,
    district: District | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    submission_token: uuid.UUID | None = None,
) -> Idea:
    """Submit an idea to an open challenge.

    Published at once, or held for moderation when the challenge asks for
    pre-moderation. Resubmitting with the same ``submission_token`` returns the
    idea already created (a double-clicked form makes one idea).
    """
    if submission_token is not None:
        existing = Idea.objects.filter(author=author, submission_token=submission_token).first()
        if existing is not None:
            return existing
    if not rules.can_submit_idea(author, challenge):
        raise NotAllowed(_("This challenge does not accept ideas at the moment."))
    if challenge.require_verified_email and not _has_verified_email(author):
        raise NotAllowed(_("Verify your email address before submitting an idea."))
    # Serialise one person's submissions to the challenge so the limit holds.
    Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
    if challenge.max_ideas_per_person is not None:
        count = Idea.objects.filter(challenge=challenge, author=author).exclude(
            status=IdeaStatus.WITHDRAWN
        )
        if count.count() >= challenge.max_ideas_per_person:
            raise NotAllowed(
                _("You have reached the limit of %(n)d ideas for this challenge.")
                % {"n": challenge.max_ideas_per_person}
            )
    title, body = _check_idea_fields(
        challenge=challenge,
        title=title,
        body=body,
        category=category,
        district=district,
        latitude=latitude,
        longitude=longitude,
    )
    profile_ensure(user=author)
    idea = Idea(
        city=current_city(),
        challenge=challenge,
        author=author,
        title=title,
        body=body,
        language=language,
        category=category,
        district=district,
        latitude=latitude,
        longitude=longitude,
        submission_token=submission_token,
        shuffle_key=random.randint(0, 2**31 - 1),  # noqa: S311 - fairness, not security
    )
    try:
        with transaction.atomic():
            idea.save()
    except IntegrityError:
        # The same token raced in from a second request: return its idea.
        return Idea.objects.get(author=author, submission_token=submission_token)
    target = IdeaStatus.PENDING if challenge.premoderation else IdeaStatus.PUBLISHED
    _record_status(idea, to=target, by=author)
    idea.save(update_fields=["status", "published_at"])
    _refresh_search_vector(idea)
    notify(
        recipient_ids=[author.pk],
        kind=kinds.IDEA_RECEIVED if target == IdeaStatus.PENDING else kinds.IDEA_PUBLISHED,
        about=idea,
        payload={"title": idea.title},
    )
    return idea


def _has_verified_email(user: Any) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _locked(idea: Idea) -> Idea:
    """The idea re-read under a row lock: the basis for every counter change."""
    return Idea.objects.select_for_update().select_related("challenge").get(pk=idea.pk)


@transaction.atomic
def idea_update(
    *,
    idea: Idea,
    by: Any,
    title: str,
    body: str,
    category: Category | None = None,
    district: District | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Idea:
    """The author edits their idea while it is published (or pending) and the
    challenge still takes ideas."""
    idea = _locked(idea)
    if not rules.can_edit_idea(by, idea):
        raise NotAllowed(_("You can no longer edit this idea."))
    title, body = _check_idea_fields(
        challenge=idea.challenge,
        title=title,
        body=body,
        category=category,
        district=district,
        latitude=latitude,
        longitude=longitude,
    )
    idea.title, idea.body = title, body
    idea.category, idea.district = category, district
    idea.latitude, idea.longitude = latitude, longitude
    bump_version(idea, by=by)
    idea.save()
    _refresh_search_vector(idea)
    cache_keys.idea_changed(idea)
    return idea


@transaction.atomic
def idea_withdraw(*, idea: Idea, by: Any) -> Idea:
    idea = _locked(idea)
    if not rules.can_withdraw_idea(by, idea):
        raise NotAllowed(_("This idea cannot be withdrawn."))
    _record_status(idea, to=IdeaStatus.WITHDRAWN, by=by)
    idea.save(update_fields=["status"])
    _mark_changed(idea, by=by)
    return idea


# --- supports ---------------------------------------------------------------


@transaction.atomic
def idea_support(*, idea: Idea, user: Any) -> bool:
    """Support an idea once. Returns False if the person already supported it.

    The idea row is locked first, so concurrent requests of one person
    serialise and the stored count always equals the number of rows.
    """
    idea = _locked(idea)
    if not rules.can_support(user, idea):
        raise NotAllowed(_("This idea cannot be supported at the moment."))
    if Support.objects.filter(idea=idea, user=user).exists():
        return False
    profile_ensure(user=user)
    Support.objects.create(city=idea.city, idea=idea, user=user)
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    return True


@transaction.atomic
def idea_unsupport(*, idea: Idea, user: Any) -> bool:
    """Withdraw one's support while supports are open. False if there was none."""
    idea = _locked(idea)
    if not rules.can_support(user, idea):
        raise NotAllowed(_("Supports for this idea are closed."))
    deleted, _details = Support.objects.filter(idea=idea, user=user).delete()
    if deleted:
        Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") - 1)
    return bool(deleted)


@transaction.atomic
def support_move_to_original(*, duplicate: Idea, user: Any) -> bool:
    """A supporter of a duplicate chooses to move their support to the
    original idea. Never done without the person asking."""
    duplicate = _locked(duplicate)
    original = duplicate.duplicate_of
    if duplicate.status != IdeaStatus.DUPLICATE or original is None:
        raise InvalidInput(_("This idea is not marked as a duplicate."))
    original = _locked(original)
    deleted, _details = Support.objects.filter(idea=duplicate, user=user).delete()
    if not deleted:
        raise InvalidInput(_("You do not support this idea."))
    Idea.objects.filter(pk=duplicate.pk).update(support_count=F("support_count") - 1)
    if original.status not in PUBLIC_STATUSES or not original.challenge.accepts_supports:
        raise NotAllowed(_("The original idea cannot be supported at the moment."))
    if not Support.objects.filter(idea=original, user=user).exists():
        Support.objects.create(city=original.city, idea=original, user=user)
        Idea.objects.filter(pk=original.pk).update(support_count=F("support_count") + 1)
    return True


# --- comments -----------------------------------------------------------------


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


def _refuse_links(author: Any, body: str) -> None:
    """No links from an account without a confirmed address (``link_refusal``)."""
    refusal = link_refusal(author, body)
    if refusal:
        raise InvalidInput(refusal)


@transaction.atomic
def comment_create(
    *,
    idea: Idea,
    author: Any,
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
def comment_edit(*, comment: Comment, by: Any, body: str) -> Comment:
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
def comment_delete(*, comment: Comment, by: Any) -> Comment:
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


# --- reports and moderation ---------------------------------------------------


@transaction.atomic
def report_create(
    *, reporter: Any, reason: str, idea: Idea | None = None, comment: Comment | None = None
) -> Report:
    """Report an idea or a comment. One open report per person and target;
    the challenge's threshold of open reports hides the content at once
    until a moderator looks at it."""
    if (idea is None) == (comment is None):
        raise InvalidInput(_("Report either an idea or a comment."))
    if not rules.can_report(reporter):
        raise NotAllowed(_("Sign in to report content."))
    reason = clean_text(reason, field=_("Reason"), max_length=REASON_MAX, required=True)
    if idea is not None:
        target = _locked(idea)
        if target.status not in PUBLIC_STATUSES:
            raise NotAllowed(_("This idea cannot be reported."))
        lookup = {"idea": target, "comment": None}
    else:
        target = (
            Comment.objects.select_for_update().select_related("idea__challenge").get(pk=comment.pk)
        )
        if target.state != Comment.State.VISIBLE:
            raise NotAllowed(_("This comment cannot be reported."))
        lookup = {"comment": target}
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
    challenge = target.challenge if idea is not None else target.idea.challenge
    if target.report_count >= challenge.report_hide_threshold:
        reason_text = _("Hidden automatically after several reports, pending review.")
        if idea is not None and target.status != IdeaStatus.HIDDEN:
            _hide_idea(
                target, by=None, reason=reason_text, action=ModerationAction.Action.AUTO_HIDE
            )
        elif comment is not None and target.state == Comment.State.VISIBLE:
            _set_comment_state(target, Comment.State.HIDDEN, reason_text)
            _mark_changed(target, by=None)
            ModerationAction.objects.create(
                city=target.city,
                comment=target,
                action=ModerationAction.Action.AUTO_HIDE,
                reason=reason_text,
            )
    return report


def _hide_idea(idea: Idea, *, by: Any, reason: str, action: str) -> None:
    idea.status_before_hidden = idea.status
    idea.hidden_reason = reason
    StatusChange.objects.create(
        city=idea.city,
        idea=idea,
        from_status=idea.status,
        to_status=IdeaStatus.HIDDEN,
        changed_by=by or idea.author,
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
    moderator: Any,
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
    moderator: Any,
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


# --- official answers -----------------------------------------------------------


@transaction.atomic
def idea_set_status(
    *,
    idea: Idea,
    by: Any,
    status: str,
    message: str,
    duplicate_of: Idea | None = None,
    expected_version: int | None = None,
) -> StatusChange:
    """The city's official answer: a status change with a public message.

    Only allowed transitions happen; the author and every supporter are
    notified through the outbox in this same transaction. The answer form
    sends the idea's ``lock_version`` it was read at as ``expected_version``:
    if a colleague answered (or moderated) since, ``StaleEdit`` (409) and
    nothing is written, so no one answers over a decision they never saw.
    """
    if not rules.can_answer_officially(by):
        raise NotAllowed(_("Only the city's staff can answer officially."))
    idea = _locked(idea)
    check_version(idea, expected_version)
    if status not in OFFICIAL_STATUSES:
        raise InvalidInput(_("This status cannot be set as an official answer."))
    if not can_transition(idea.status, status):
        raise InvalidInput(
            _("An idea that is “%(current)s” cannot become “%(target)s”.")
            % {"current": IdeaStatus(idea.status).label, "target": IdeaStatus(status).label}
        )
    message = clean_text(message, field=_("Public message"), max_length=BODY_MAX, required=True)
    if status == IdeaStatus.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == idea.pk:
            raise InvalidInput(_("Choose the original idea this one duplicates."))
        if duplicate_of.status not in PUBLIC_STATUSES or duplicate_of.city_id != idea.city_id:
            raise InvalidInput(_("The original idea must be a public idea of this city."))
        idea.duplicate_of = duplicate_of
    change = _record_status(idea, to=status, by=by, message=message, official=True)
    idea.save(update_fields=["status", "duplicate_of", *bump_version(idea, by=by)])
    supporter_ids = Support.objects.filter(idea=idea).values_list("user_id", flat=True)
    notify(
        recipient_ids=[idea.author_id, *supporter_ids.iterator(chunk_size=5_000)],
        kind=kinds.IDEA_STATUS_CHANGED,
        about=idea,
        payload={"title": idea.title, "status": status, "message": message},
    )
    return change


def bulk_result(results: Sequence[Any]) -> dict[str, int]:
    return {"done": sum(1 for r in results if r), "total": len(results)}


# --- images -------------------------------------------------------------------


def idea_attach_images(
    *, idea: Idea, by: Any, files: Sequence[Any], alt_texts: Sequence[str] | None = None
) -> list[Any]:
    """The author adds images to their idea: at most ``MAX_IMAGES_PER_IDEA``
    in total, all or nothing.

    Every file is checked and re-encoded first (``civicideas.content.uploads``); one bad
    file refuses the whole batch with a message per file. Only then are the
    files stored and the rows written in one transaction; if that fails, the
    files already stored are deleted again. (Files stored by a call whose
    *enclosing* transaction is rolled back later are not removed here.)
    """
    from civicideas.content.uploads import MAX_IMAGES_PER_IDEA, process_image
    from ideas.models import IdeaImage

    files = list(files)
    if not files:
        return []
    if not getattr(by, "is_authenticated", False) or idea.author_id != by.pk:
        raise NotAllowed(_("Only the author can add images to this idea."))
    if idea.status not in (IdeaStatus.PUBLISHED, IdeaStatus.PENDING, IdeaStatus.SUBMITTED):
        raise NotAllowed(_("Images can no longer be added to this idea."))
    if len(files) > MAX_IMAGES_PER_IDEA:
        raise InvalidInput(_("An idea can have at most %(n)d images.") % {"n": MAX_IMAGES_PER_IDEA})
    alts = list(alt_texts or [])
    processed, problems = [], []
    for upload in files:
        try:
            processed.append(process_image(upload))
        except InvalidInput as exc:
            name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
            problems.append(f"{name[:80] or _('file')}: {exc.message}")
    if problems:
        raise InvalidInput(" ".join(problems))
    cleaned_alts = [
        clean_text(
            alts[i] if i < len(alts) else "",
            field=_("Image description"),
            max_length=200,
            required=False,
        )
        for i in range(len(processed))
    ]

    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(idea)
            existing = IdeaImage.objects.filter(idea=locked).count()
            if existing + len(processed) > MAX_IMAGES_PER_IDEA:
                raise InvalidInput(
                    _("An idea can have at most %(n)d images; it has %(existing)d already.")
                    % {"n": MAX_IMAGES_PER_IDEA, "existing": existing}
                )
            images = []
            for offset, (item, alt) in enumerate(zip(processed, cleaned_alts, strict=True)):
                image = IdeaImage(
                    city=locked.city,
                    idea=locked,
                    alt_text=alt,
                    width=item.width,
                    height=item.height,
                    position=existing + offset,
                )
                image.image.save(item.name, item.content, save=False)
                stored.append(image.image.name)
                image.save()
                images.append(image)
            cache_keys.idea_changed(locked)
    except BaseException:
        storage = IdeaImage._meta.get_field("image").storage
        for name in stored:
            storage.delete(name)
        raise
    return images
