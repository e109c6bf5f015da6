"""Submitting, editing and withdrawing an idea."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
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
from ideas.models import BODY_MAX, TITLE_MAX, Category, Challenge, District, Idea
from ideas.services.common import _locked, _mark_changed, _record_status, _refresh_search_vector
from ideas.status import IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User


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


def idea_already_submitted(*, author: User, submission_token: uuid.UUID | None) -> Idea | None:
    """The idea a submission with this token already created, if any.

    The submit form (and an API client) sends a token per form: a
    double-clicked or resent form finds its idea here instead of creating a
    second one. ``idea_submit`` asks first thing; the submit page asks too,
    so a resent form goes to the idea without adding its images again.
    """
    if submission_token is None:
        return None
    return Idea.objects.filter(author=author, submission_token=submission_token).first()


@transaction.atomic
def idea_submit(
    *,
    author: User,
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
    existing = idea_already_submitted(author=author, submission_token=submission_token)
    if existing is not None:
        return existing
    if not rules.can_submit_idea(author, challenge):
        raise NotAllowed(_("This challenge does not accept ideas at the moment."))
    if challenge.require_verified_email and not has_verified_email(author):
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
