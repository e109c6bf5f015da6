"""Adopting a practice: its template copied into the adopting city as a
draft challenge.

Adoption runs in the adopting city's context and writes its rows under
*its* row-level security, through the ideas/evaluation/sponsors services and
managers. Lock order: the practice row (``SELECT ... FOR UPDATE``), then the
adopting city's rows. Adoption holds the practice's lock while it checks for
an earlier adoption, so two concurrent adoptions of one practice by one city
create one challenge; the unique constraint on (practice, city) is the
backstop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy.context import current_city
from exchange import rules
from exchange.models import Adoption, Practice
from exchange.snapshot import decimal_or

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from civicideas.tenancy.models import City

#: Furthest an adopted challenge may start (days from today).
MAX_START_DAYS = 3 * 365


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
