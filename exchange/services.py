"""Writes of the practice exchange: publish, refresh, unpublish, adopt,
comment, "we tried this too".

Every service runs on a city's host, inside that city's context
(``city_context``): publishing reads the publishing city's rows under its
row-level security; adopting writes the adopting city's rows under *its*
row-level security, through the ideas/evaluation/sponsors services and
managers. The platform-level rows (``exchange.models``) are the only thing
both sides share.

Lock order: the practice row (``SELECT ... FOR UPDATE``), then the adopting
city's rows. Adoption holds the practice's lock while it checks for an
earlier adoption, so two concurrent adoptions of one practice by one city
create one challenge; the unique constraint on (practice, city) is the
backstop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicideas.content.search_config import search_config
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from exchange import evidence, rules
from exchange.models import (
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Adoption,
    Licence,
    Method,
    Practice,
    PracticeComment,
    Topic,
    TriedToo,
)
from exchange.snapshot import decimal_or, template_of

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from civicideas.tenancy.models import City
    from ideas.models import Challenge

#: Most challenges one practice is made of.
MAX_CHALLENGES = 20
COMMENT_MAX = 2000
#: Slugs the exchange's own URLs use.
RESERVED_SLUGS = frozenset({"publish"})
#: Furthest an adopted challenge may start (days from today).
MAX_START_DAYS = 3 * 365

FIELD_LIMITS = {
    "title": TITLE_MAX,
    "summary": SUMMARY_MAX,
    "goal": TEXT_MAX,
    "approach": TEXT_MAX,
    "what_worked": TEXT_MAX,
    "what_did_not": TEXT_MAX,
    "cost": TEXT_MAX,
    "tips": TEXT_MAX,
}


def _field_label(field: str) -> str:
    return str(getattr(Practice._meta.get_field(field), "verbose_name", field))


def clean_texts(texts: Mapping[str, Mapping[str, Any]], *, city: City) -> dict[str, dict[str, str]]:
    """Texts per language, the city's languages only; the default language's
    title is required."""
    cleaned: dict[str, dict[str, str]] = {}
    for code, values in texts.items():
        if code not in city.languages or not isinstance(values, Mapping):
            raise InvalidInput(_("A practice is written in the city's languages only."))
        cleaned[code] = {}
        for field, value in values.items():
            if field not in FIELD_LIMITS:
                raise InvalidInput(_("Unknown field."))
            cleaned[code][field] = clean_text(
                value,
                field=_field_label(field),
                max_length=FIELD_LIMITS[field],
                required=field == "title" and code == city.default_language,
            )
    if not cleaned.get(city.default_language, {}).get("title"):
        raise InvalidInput(_("Give the practice a title in the city's main language."))
    return cleaned


def clean_role_email(value: object) -> str:
    """A role address (participation@city…): valid, and not the address of
    anyone's account, so no person's e-mail is published on the platform."""
    email = clean_text(value, field=_("Contact address"), max_length=254, required=True).lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidInput(_("Enter a valid e-mail address.")) from error
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise InvalidInput(
            _("This is a person's account address; give a role address of the city instead.")
        )
    return email


def _choices(values: Sequence[str], allowed: Any, field: str) -> list[str]:
    valid = set(allowed.values)
    out = []
    for value in values:
        if value not in valid:
            raise InvalidInput(_("%(field)s: unknown choice.") % {"field": field})
        if value not in out:
            out.append(value)
    return out


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
    topic_list = _choices(topics, Topic, _("Topics"))
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


def _texts_in(default: str, columns: Mapping[str, Any], translations: Any) -> dict[str, dict]:
    texts: dict[str, dict] = {default: dict(columns)}
    if isinstance(translations, dict):
        for code, values in translations.items():
            if isinstance(values, dict) and code != default:
                texts[code] = dict(values)
    return texts


def _relocalise(
    texts: dict[str, dict], *, source: str, city: City, fields: Sequence[str]
) -> tuple[dict[str, Any], dict[str, dict]]:
    """Texts of the publishing city (default ``source``) as columns in the
    adopting city's default language, plus its other languages. A field with
    no text in the city's language keeps the publisher's."""
    columns = {f: texts.get(source, {}).get(f) for f in fields}
    mine = texts.get(city.default_language, {})
    for f in fields:
        if mine.get(f):
            columns[f] = mine[f]
    translations = {}
    for code in city.languages:
        if code != city.default_language and code in texts:
            entry = {f: texts[code][f] for f in fields if texts[code].get(f)}
            if entry:
                translations[code] = entry
    return columns, translations


def _challenge_slug(title: str) -> str:
    from ideas.models import Challenge

    base = (slugify(title) or "challenge")[:70].strip("-") or "challenge"
    slug, n = base, 1
    while Challenge.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


#: Suggested phase lengths (days) when the original challenge had no dates.
DEFAULT_PHASE_DAYS = {"ideas_days": 42, "supports_days": 14, "results_days": 30}


def _shift(start: datetime, phases: dict[str, Any], key: str) -> datetime:
    days = phases.get(key)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
        days = DEFAULT_PHASE_DAYS[key]
    return start + timedelta(days=days)


def _categories(specs: Any, *, source: str, city: City) -> list[Any]:
    """The template's categories matched by name to the city's (any of its
    languages), or created."""
    from ideas.models import Category

    out = []
    for spec in specs if isinstance(specs, list) else []:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            continue
        texts = _texts_in(source, {"name": spec["name"]}, spec.get("translations"))
        columns, translations = _relocalise(texts, source=source, city=city, fields=["name"])
        names = {t["name"].strip().lower() for t in texts.values() if t.get("name")}
        match = next((c for c in Category.objects.all() if c.name.strip().lower() in names), None)
        if match is None:
            name = str(columns["name"])[:80]
            base = slugify(name)[:70] or "category"
            slug, n = base, 1
            while Category.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            match = Category.objects.create(
                city=city, name=name, slug=slug, translations=translations
            )
        out.append(match)
    return out


def _rubric(spec: Any, *, by: User, source: str, city: City) -> Any:
    from evaluation import services as evaluation_services

    if not isinstance(spec, dict):
        return None
    criteria = []
    for item in spec.get("criteria") or []:
        if not isinstance(item, dict):
            continue
        fields = ["name", "guidance", "level_labels"]
        texts = _texts_in(source, {f: item.get(f) for f in fields}, item.get("translations"))
        columns, translations = _relocalise(texts, source=source, city=city, fields=fields)
        criteria.append(
            {
                "name": str(columns["name"] or "")[:120],
                "guidance": str(columns["guidance"] or ""),
                "level_labels": columns["level_labels"] or [],
                "weight": decimal_or(item.get("weight"), Decimal(1)),
                "scale_min": int(item.get("scale_min", 0)),
                "scale_max": int(item.get("scale_max", 5)),
                "translations": translations,
            }
        )
    return evaluation_services.rubric_create(
        by=by,
        name=str(spec.get("name") or _("Adopted rubric"))[:120],
        description=str(spec.get("description") or ""),
        scale_min=int(spec.get("scale_min", 0)),
        scale_max=int(spec.get("scale_max", 5)),
        criteria=criteria,
    )


@transaction.atomic
def practice_adopt(*, by: User, practice: Practice, starts_on: date) -> Adoption:
    """Copy the practice's template into the current city as a **draft**
    challenge starting on ``starts_on``: phases shifted, a copy of the rubric
    and evaluation settings, categories matched or created, the match fund
    rules as an inactive fund. Nothing else crosses: no idea, no person.

    Idempotent per (practice, city): adopting again returns the first
    adoption (a stale form or a double click creates one challenge).
    """
    from evaluation import services as evaluation_services
    from ideas.models import Challenge
    from sponsors.models import MatchFund

    if not rules.can_adopt(by, practice):
        raise NotAllowed(_("Only another city's administrators can adopt a published practice."))
    today = timezone.localdate()
    if not isinstance(starts_on, date) or not (
        today <= starts_on <= today + timedelta(days=MAX_START_DAYS)
    ):
        raise InvalidInput(_("Choose a start date between today and three years from now."))
    city = current_city()
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    if practice.status != Practice.Status.PUBLISHED:
        raise InvalidInput(_("This practice is no longer published."))
    earlier = Adoption.objects.filter(practice=practice, adopting_city=city).first()
    if earlier is not None:
        return earlier
    template = practice.template if isinstance(practice.template, dict) else {}
    specs = [c for c in template.get("challenges") or [] if isinstance(c, dict)]
    if not specs:
        raise InvalidInput(_("This practice has no challenge to adopt."))
    spec = specs[0]
    # One draft challenge: texts, phases and settings of the first challenge,
    # the evaluation of the first one evaluated, the categories of all.
    evaluated = next((c for c in specs if isinstance(c.get("evaluation"), dict)), spec)
    category_specs = [cat for c in specs for cat in (c.get("categories") or [])]
    source = practice.default_language
    fields = ["title", "summary", "description"]
    texts = _texts_in(source, {f: spec.get(f) or "" for f in fields}, spec.get("translations"))
    columns, translations = _relocalise(texts, source=source, city=city, fields=fields)
    title = str(columns["title"] or practice.title)[:150]
    start = datetime.combine(starts_on, time(9), tzinfo=city.zoneinfo)
    phases: dict[str, Any] = spec["phases"] if isinstance(spec.get("phases"), dict) else {}
    ideas_deadline = _shift(start, phases, "ideas_days")
    supports_deadline = _shift(ideas_deadline, phases, "supports_days")
    settings: dict[str, Any] = spec["settings"] if isinstance(spec.get("settings"), dict) else {}
    challenge = Challenge.objects.create(
        city=city,
        title=title,
        slug=_challenge_slug(title),
        summary=str(columns["summary"] or "")[:300],
        description=str(columns["description"] or ""),
        translations=translations,
        phase=Challenge.Phase.DRAFT,
        ideas_open_from=start,
        ideas_deadline=ideas_deadline,
        supports_deadline=supports_deadline,
        results_date=_shift(supports_deadline, phases, "results_days"),
        premoderation=bool(settings.get("premoderation", False)),
        supports_enabled=bool(settings.get("supports_enabled", True)),
        require_verified_email=bool(settings.get("require_verified_email", True)),
    )
    challenge.categories.set(_categories(category_specs, source=source, city=city))
    evaluation = evaluated.get("evaluation")
    if isinstance(evaluation, dict):
        rubric = _rubric(evaluation.get("rubric"), by=by, source=source, city=city)
        es = evaluation_services.evaluation_settings(challenge)
        es.rubric = rubric
        es.evaluators_per_idea = min(max(int(evaluation.get("evaluators_per_idea", 3)), 1), 20)
        es.blind_review = bool(evaluation.get("blind_review", True))
        es.support_weight = min(max(int(evaluation.get("support_weight", 0)), 0), 100)
        es.calibration = bool(evaluation.get("calibration", False))
        es.disagreement_threshold = decimal_or(evaluation.get("disagreement_threshold"), Decimal(1))
        evaluation_services.challenge_evaluation_save(
            settings=es,
            by=by,
            changed=["rubric", "evaluators_per_idea", "blind_review", "support_weight"],
        )
    fund = template.get("match_fund")
    if isinstance(fund, dict):
        # Inactive: the rules as a draft; the city's facilitators set the
        # budget and switch it on (sponsors.services.match_fund_set).
        MatchFund.objects.create(
            city=city,
            name=(_("%(title)s (adopted, draft)") % {"title": title})[:120],
            ratio=decimal_or(fund.get("ratio"), Decimal(1)),
            cap_per_initiative=decimal_or(fund.get("cap_per_initiative"), Decimal(0)),
            total_budget=decimal_or(fund.get("total_budget"), Decimal(0)),
            is_active=False,
        )
    return Adoption.objects.create(
        practice=practice, adopting_city=city, challenge_id=challenge.pk, starts_on=starts_on
    )


@transaction.atomic
def practice_comment(*, by: User, practice: Practice, text: str) -> PracticeComment:
    """A civil servant's question or remark, shown with their city and role."""
    if not rules.can_comment(by, practice):
        raise NotAllowed(_("Only a city's staff can comment on a practice."))
    text = clean_text(text, field=_("Comment"), max_length=COMMENT_MAX, required=True)
    return PracticeComment.objects.create(
        practice=practice,
        author=by,
        author_city=current_city(),
        author_role=rules.staff_role(by),
        text=text,
    )


@transaction.atomic
def practice_tried_too(*, by: User, practice: Practice, outcome: str) -> TriedToo:
    """ "We tried this too": one per city, a second one replaces the first."""
    if not rules.can_mark_tried(by, practice):
        raise NotAllowed(_("Only another city's administrators can say they tried it too."))
    outcome = clean_text(outcome, field=_("Our outcome"), max_length=COMMENT_MAX, required=True)
    tried, _created = TriedToo.objects.update_or_create(
        practice=practice, trying_city=current_city(), defaults={"outcome": outcome}
    )
    return tried
