"""Publishing a city's challenges as a practice, refreshing its evidence,
taking it off the exchange and back.

Lock order: the practice row (``SELECT ... FOR UPDATE``) only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicideas.content.search_config import search_config
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy.context import current_city
from exchange import evidence, rules
from exchange.models import Adoption, Licence, Method, Practice, Topic
from exchange.services.checks import FIELD_LIMITS, clean_choices, clean_role_email, clean_texts
from exchange.snapshot import template_of

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from ideas.models import Challenge

#: Most challenges one practice is made of.
MAX_CHALLENGES = 20
#: Slugs the exchange's own URLs use.
RESERVED_SLUGS = frozenset({"publish"})


def _unique_slug(title: str) -> str:
    base = (slugify(title) or "practice")[:70].strip("-") or "practice"
    if base in RESERVED_SLUGS:
        base = f"{base}-practice"
    slug, n = base, 1
    while Practice.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _update_search(practice: Practice) -> None:
    """One tsvector over every language's texts, each with its language's
    configuration, so a French query finds French stems and an English one
    English stems (docs/exchange.md, "Search")."""
    texts = {practice.default_language: {f: getattr(practice, f) for f in FIELD_LIMITS}}
    for code, values in (practice.translations or {}).items():
        if isinstance(values, dict):
            texts[code] = values
    vector: Any = None
    for code, values in texts.items():
        for field, weight in (("title", "A"), ("summary", "B"), ("goal", "C"), ("approach", "C")):
            value = values.get(field) or ""
            if not value:
                continue
            part = SearchVector(Value(value), config=search_config(code), weight=weight)
            vector = part if vector is None else vector + part
    Practice.objects.filter(pk=practice.pk).update(search_vector=vector)


def _apply_evidence(practice: Practice, figures: dict[str, Any]) -> None:
    practice.evidence = figures
    practice.evidence_refreshed_at = timezone.now()
    practice.share_answered = int(evidence.figure_value(figures, "share_answered") or 0)
    practice.participants = int(evidence.figure_value(figures, "participants") or 0)


def _own_challenges(ids: Sequence[int]) -> list[Challenge]:
    from ideas.models import Challenge

    if not ids or len(ids) > MAX_CHALLENGES:
        raise InvalidInput(
            _("Choose between 1 and %(n)d of your city's challenges.") % {"n": MAX_CHALLENGES}
        )
    # Scoped to the current city (and its RLS): another city's ids are
    # simply not found, which is the same answer as a missing id.
    found = list(Challenge.objects.public().filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise InvalidInput(_("Choose challenges of your own city that are not drafts."))
    return found


@transaction.atomic
def practice_publish(
    *,
    by: User,
    challenge_ids: Sequence[int],
    texts: Mapping[str, Mapping[str, Any]],
    contact_email: str,
    method: str,
    topics: Sequence[str] = (),
    licence: str = Licence.CC_BY,
    adopted_from: Practice | None = None,
) -> Practice:
    """Publish the current city's challenges as a practice, with its template
    and evidence computed now. Only the city's admins. ``adopted_from`` must
    be a practice this city adopted; it is found by itself when one of the
    challenges was created by an adoption."""
    if not rules.can_publish(by):
        raise NotAllowed(_("Only the city's administrators can publish a practice."))
    city = current_city()
    challenges = _own_challenges(challenge_ids)
    cleaned = clean_texts(texts, city=city)
    email = clean_role_email(contact_email)
    if method not in Method.values:
        raise InvalidInput(_("Choose a method."))
    if licence not in Licence.values:
        raise InvalidInput(_("Choose a licence."))
    topic_list = clean_choices(topics, Topic, _("Topics"))
    adoptions = Adoption.objects.filter(adopting_city=city)
    if adopted_from is not None:
        if not adoptions.filter(practice=adopted_from).exists():
            raise InvalidInput(_("Your city has not adopted that practice."))
    else:
        found = adoptions.filter(challenge_id__in=[c.pk for c in challenges]).first()
        adopted_from = found.practice if found else None
    practice = Practice(
        publishing_city=city,
        default_language=city.default_language,
        languages=list(city.languages),
        contact_email=email,
        method=method,
        topics=topic_list,
        licence=licence,
        challenge_ids=sorted(c.pk for c in challenges),
        template=template_of(challenges),
        adopted_from=adopted_from,
    )
    for field, value in cleaned.pop(city.default_language).items():
        setattr(practice, field, value)
    practice.translations = {
        code: {k: v for k, v in vals.items() if v} for code, vals in cleaned.items()
    }
    practice.translations = {k: v for k, v in practice.translations.items() if v}
    practice.slug = _unique_slug(practice.title)
    _apply_evidence(practice, evidence.compute(city, challenges))
    practice.save()
    _update_search(practice)
    return practice


def _managed(by: User, practice: Practice) -> Practice:
    if not rules.can_manage(by, practice):
        raise NotAllowed(_("Only the publishing city's administrators can change this practice."))
    return Practice.objects.select_for_update().get(pk=practice.pk)


@transaction.atomic
def practice_refresh_evidence(*, by: User, practice: Practice) -> Practice:
    """Compute the evidence again from the city's current data."""
    from ideas.models import Challenge

    practice = _managed(by, practice)
    city = current_city()
    challenges = list(Challenge.objects.filter(pk__in=practice.challenge_ids))
    _apply_evidence(practice, evidence.compute(city, challenges))
    practice.save(
        update_fields=[
            "evidence",
            "evidence_refreshed_at",
            "share_answered",
            "participants",
            "updated_at",
        ]
    )
    return practice


@transaction.atomic
def practice_unpublish(*, by: User, practice: Practice) -> Practice:
    """Take the practice off the exchange. Adoptions keep their challenges
    (they are the adopting cities' own rows)."""
    practice = _managed(by, practice)
    practice.status = Practice.Status.UNPUBLISHED
    practice.save(update_fields=["status", "updated_at"])
    return practice


@transaction.atomic
def practice_republish(*, by: User, practice: Practice) -> Practice:
    practice = _managed(by, practice)
    practice.status = Practice.Status.PUBLISHED
    practice.save(update_fields=["status", "updated_at"])
    return practice
