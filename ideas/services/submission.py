"""Submitting, editing and withdrawing an idea."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.accounts.rules import has_verified_email
from civicideas.accounts.services import profile_ensure
from civicideas.concurrency import bump_version
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from ideas import cache_keys, rules
from ideas import notifications as kinds
from ideas.models import BODY_MAX, TITLE_MAX, Category, Challenge, Channel, District, Idea
from ideas.services.common import _locked, _mark_changed, _record_status, _refresh_search_vector
from ideas.status import IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User

#: How far back staff may date an idea given off-line (a typo guard).
OLDEST_CHANNEL_DATE = timedelta(days=2 * 366)


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
    if (
        latitude is not None
        and longitude is not None
        and not city.contains_point(latitude, longitude)
    ):
        raise InvalidInput(_("The location must be inside %(city)s.") % {"city": city.name})
    return title, body


def idea_already_submitted(
    *, author: User | None, submission_token: uuid.UUID | None, entered_by: User | None = None
) -> Idea | None:
    """The idea a submission with this token already created, if any.

    The submit form (and an API client) sends a token per form: a
    double-clicked or resent form finds its idea here instead of creating a
    second one. ``idea_submit`` asks first thing; the submit page asks too,
    so a resent form goes to the idea without adding its images again.
    Staff entering ideas for others are matched on themselves, since the
    author may be nobody.
    """
    if submission_token is None:
        return None
    if entered_by is not None:
        return Idea.objects.filter(entered_by=entered_by, submission_token=submission_token).first()
    return Idea.objects.filter(author=author, submission_token=submission_token).first()


def _check_entry(
    *,
    entered_by: User,
    author: User | None,
    challenge: Challenge,
    channel: str,
    channel_date: date | None,
    consent_to_publish: bool,
) -> date:
    """The extra rules of an idea typed in by staff on someone's behalf."""
    if not rules.can_enter_idea_for_someone(entered_by, challenge):
        raise NotAllowed(_("You may not enter ideas for this challenge."))
    if channel not in Channel.values or channel == Channel.WEB:
        raise InvalidInput(_("Choose how the idea was given: paper, workshop, phone..."))
    if not consent_to_publish:
        raise InvalidInput(_("The person must agree that their idea is published."))
    if author is not None and not author.is_active:
        raise InvalidInput(_("This account is closed: choose another author."))
    today = timezone.localdate()
    given = channel_date or today
    if given > today:
        raise InvalidInput(_("The date the idea was given cannot be in the future."))
    if given < today - OLDEST_CHANNEL_DATE:
        raise InvalidInput(_("The date the idea was given is more than two years ago."))
    return given


@transaction.atomic
def idea_submit(
    *,
    author: User | None,
    challenge: Challenge,
    title: str,
    body: str,
    language: str,
    category: Category | None = None,
    district: District | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    submission_token: uuid.UUID | None = None,
    channel: str = Channel.WEB,
    channel_date: date | None = None,
    entered_by: User | None = None,
    consent_to_publish: bool = False,
    invite_email: str = "",
) -> Idea:
    """Submit an idea to an open challenge.

    Published at once, or held for moderation when the challenge asks for
    pre-moderation. Resubmitting with the same ``submission_token`` returns the
    idea already created (a double-clicked form makes one idea).

    Off-line ideas (docs/offline.md) come through here too: ``entered_by``
    is the moderator typing in what someone gave on paper, at a workshop or
    by phone (``channel``, ``channel_date``, default today). The author is
    then an existing account, nobody (anonymous, or invited by e-mail to
    claim it with ``invite_email``), and the person's consent to publish is
    required. The phase, field, moderation, search and notification rules
    are the on-line ones; the verified e-mail and the per-person limit are
    the author's account's, so they do not apply to nobody.
    """
    existing = idea_already_submitted(
        author=author, submission_token=submission_token, entered_by=entered_by
    )
    if existing is not None:
        return existing
    if entered_by is None:
        if author is None:
            raise NotAllowed(_("Sign in to submit an idea."))
        if channel != Channel.WEB or invite_email:
            raise NotAllowed(_("Only the city's staff enter ideas on someone's behalf."))
        if not rules.can_submit_idea(author, challenge):
            raise NotAllowed(_("This challenge does not accept ideas at the moment."))
        if challenge.require_verified_email and not has_verified_email(author):
            raise NotAllowed(_("Verify your email address before submitting an idea."))
    else:
        channel_date = _check_entry(
            entered_by=entered_by,
            author=author,
            challenge=challenge,
            channel=channel,
            channel_date=channel_date,
            consent_to_publish=consent_to_publish,
        )
        if author is not None and invite_email:
            raise InvalidInput(_("Choose an existing account or an invitation, not both."))
    # Serialise one person's submissions to the challenge so the limit holds.
    Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
    if challenge.max_ideas_per_person is not None and author is not None:
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
    if author is not None:
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
        channel=channel,
        channel_date=channel_date,
        entered_by=entered_by,
        shuffle_key=random.randint(0, 2**31 - 1),  # noqa: S311 - fairness, not security
    )
    try:
        with transaction.atomic():
            idea.save()
    except IntegrityError:
        # The same token raced in from a second request: return its idea.
        found = idea_already_submitted(
            author=author, submission_token=submission_token, entered_by=entered_by
        )
        if found is None:
            raise
        return found
    target = IdeaStatus.PENDING if challenge.premoderation else IdeaStatus.PUBLISHED
    # The status record names whoever typed it in; web ideas have an author.
    _record_status(idea, to=target, by=entered_by or author)  # type: ignore[arg-type]
    idea.save(update_fields=["status", "published_at"])
    _refresh_search_vector(idea)
    notify(
        recipient_ids=[idea.author_id],
        kind=kinds.IDEA_RECEIVED if target == IdeaStatus.PENDING else kinds.IDEA_PUBLISHED,
        about=idea,
        payload={"title": idea.title},
    )
    if invite_email:
        # The events app links the idea to its workshop after this returns,
        # in the same transaction (docs/offline.md).
        from ideas.services.offline import invitation_send

        invitation_send(idea=idea, email=invite_email, by=entered_by)
    return idea


@transaction.atomic
def idea_update(
    *,
    idea: Idea,
    by: User,
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
def idea_withdraw(*, idea: Idea, by: User) -> Idea:
    idea = _locked(idea)
    if not rules.can_withdraw_idea(by, idea):
        raise NotAllowed(_("This idea cannot be withdrawn."))
    _record_status(idea, to=IdeaStatus.WITHDRAWN, by=by)
    idea.save(update_fields=["status"])
    _mark_changed(idea, by=by)
    return idea
