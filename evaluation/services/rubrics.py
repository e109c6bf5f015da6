"""Rubrics and their criteria, frozen once scores were given against them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import Conflict, InvalidInput
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from evaluation.models import Criterion, Rubric, Scorecard
from evaluation.services.common import Action, _require_admin, audit

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def rubric_in_use(rubric: Rubric) -> bool:
    """A rubric is frozen once any challenge using it has a submitted scorecard."""
    return Scorecard.objects.filter(
        state=Scorecard.State.SUBMITTED,
        scores__criterion__rubric=rubric,
    ).exists()


def rubric_check_editable(rubric: Rubric) -> None:
    if rubric.pk and rubric_in_use(rubric):
        raise Conflict(
            _(
                "This rubric is in use: scorecards were submitted against it, so it cannot "
                "be changed. Create a new version instead."
            ),
            code="rubric_in_use",
        )


def criteria_validate(criteria: Sequence[Criterion]) -> None:
    """The rules on a rubric's criteria as a whole: at least one, weights
    summing to more than zero, each one valid."""
    errors: list[str] = []
    for criterion in criteria:
        try:
            criterion.clean()
        except ValidationError as error:
            errors.extend(f"{criterion.name}: {m}" for m in error.messages)
    if not criteria:
        errors.append(_("A rubric needs at least one criterion."))
    elif sum((Decimal(c.weight or 0) for c in criteria), Decimal(0)) <= 0:
        errors.append(_("The criteria's weights must add up to more than zero."))
    if errors:
        raise InvalidInput(" ".join(errors))


@transaction.atomic
def rubric_create(
    *,
    by: User,
    name: str,
    criteria: Sequence[Mapping[str, Any]],
    description: str = "",
    scale_min: int = 0,
    scale_max: int = 5,
    preset: str = "",
) -> Rubric:
    """A new rubric with its criteria (each a mapping of Criterion fields)."""
    _require_admin(by)
    name = clean_text(name, field=_("Name"), max_length=120, required=True)
    rubric = Rubric(
        city=current_city(),
        name=name,
        description=description,
        scale_min=scale_min,
        scale_max=scale_max,
        preset=preset,
    )
    try:
        rubric.clean()
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from error
    items = [
        Criterion(city=rubric.city, position=i, **dict(spec)) for i, spec in enumerate(criteria)
    ]
    criteria_validate(items)
    rubric.save()
    for item in items:
        item.rubric = rubric
    Criterion.objects.bulk_create(items)
    audit(action=Action.RUBRIC_CREATED, by=by, subject=str(rubric), details={"id": rubric.pk})
    return rubric


@transaction.atomic
def rubric_new_version(*, rubric: Rubric, by: User) -> Rubric:
    """Copy a rubric and its criteria as its next version, to edit freely.
    Challenges keep the version they use until an admin switches them."""
    _require_admin(by)
    latest = Rubric.objects.filter(name=rubric.name).order_by("-version").first()
    copy = Rubric.objects.create(
        city=rubric.city,
        name=rubric.name,
        description=rubric.description,
        version=(latest.version if latest else rubric.version) + 1,
        parent=rubric,
        preset=rubric.preset,
        scale_min=rubric.scale_min,
        scale_max=rubric.scale_max,
    )
    Criterion.objects.bulk_create(
        Criterion(
            city=copy.city,
            rubric=copy,
            position=c.position,
            name=c.name,
            guidance=c.guidance,
            weight=c.weight,
            scale_min=c.scale_min,
            scale_max=c.scale_max,
            level_labels=c.level_labels,
            translations=c.translations,
        )
        for c in rubric.criteria.all()
    )
    audit(
        action=Action.RUBRIC_VERSIONED,
        by=by,
        subject=str(copy),
        details={"from": rubric.pk, "to": copy.pk},
    )
    return copy
