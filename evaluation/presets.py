"""Ready-made rubrics a city can install and then copy and edit.

Texts are marked for translation; an installed rubric stores them in the
city's default language, and its criteria in each of the city's other
languages too (the city's own words from then on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.content.translations import set_translation
from civicideas.tenancy.context import current_city
from civicideas.tenancy.languages import offered_codes
from evaluation.models import Rubric

if TYPE_CHECKING:
    from civicideas.accounts.models import User

URBAN_INNOVATION = "urban_innovation"

_LEVELS = [
    gettext_lazy("None"),
    gettext_lazy("Very weak"),
    gettext_lazy("Weak"),
    gettext_lazy("Fair"),
    gettext_lazy("Good"),
    gettext_lazy("Excellent"),
]

PRESETS: dict[str, dict[str, Any]] = {
    URBAN_INNOVATION: {
        "name": gettext_lazy("Urban innovation"),
        "description": gettext_lazy(
            "Seven criteria for ideas that change everyday life in the city."
        ),
        "criteria": [
            (
                gettext_lazy("Impact on everyday life"),
                gettext_lazy(
                    "How many people benefit, and how much does their daily life improve?"
                ),
                2,
            ),
            (
                gettext_lazy("Novelty"),
                gettext_lazy("Is it new for the city, or a fresh take on a known approach?"),
                1,
            ),
            (
                gettext_lazy("Feasibility"),
                gettext_lazy("Can the city and its partners carry it out with the means at hand?"),
                2,
            ),
            (
                gettext_lazy("Cost-effectiveness"),
                gettext_lazy("Are the benefits worth the cost, including running costs?"),
                1.5,
            ),
            (
                gettext_lazy("Sustainability"),
                gettext_lazy("Is it good for the environment and will it last over time?"),
                1.5,
            ),
            (
                gettext_lazy("Potential to change how the city works"),
                gettext_lazy(
                    "Could it change the city's services or ways of working beyond itself?"
                ),
                1,
            ),
            (
                gettext_lazy("Community ownership"),
                gettext_lazy("Will residents and local groups take part in it and carry it on?"),
                1,
            ),
        ],
    }
}


def preset_choices() -> list[tuple[str, str]]:
    return [(key, str(spec["name"])) for key, spec in PRESETS.items()]


@transaction.atomic
def preset_install(*, key: str, by: User) -> Rubric:
    """Install a preset as a new rubric of the current city (0-5 scale).
    Installing again adds another copy, which the city can edit freely."""
    from evaluation.services import rubric_create

    spec = PRESETS.get(key)
    if spec is None:
        from civicideas.errors import InvalidInput

        raise InvalidInput(_("Unknown preset."))
    city = current_city()
    # The city's default language goes in the ordinary columns, its other
    # languages in the criteria's translations (issue 13).
    with translation.override(city.default_language):
        rubric = rubric_create(
            by=by,
            name=str(spec["name"]),
            description=str(spec["description"]),
            scale_min=0,
            scale_max=5,
            preset=key,
            criteria=_criteria(spec),
        )
    criteria = list(rubric.criteria.order_by("position", "pk"))
    for code in offered_codes(city):
        if code == city.default_language:
            continue
        with translation.override(code):
            for criterion, values in zip(criteria, _criteria(spec), strict=True):
                set_translation(
                    criterion,
                    code,
                    {field: values[field] for field in ("name", "guidance", "level_labels")},
                )
    for criterion in criteria:
        criterion.save(update_fields=["translations"])
    return rubric


def _criteria(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The preset's criteria in the active language."""
    labels = [str(label) for label in _LEVELS]
    return [
        {
            "name": str(name),
            "guidance": str(guidance),
            "weight": weight,
            "scale_min": 0,
            "scale_max": 5,
            "level_labels": labels,
        }
        for name, guidance, weight in spec["criteria"]
    ]
