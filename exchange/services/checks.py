"""Input cleaning the exchange's services share: a practice's texts in the
city's languages, the role address it is published with, choices from a
fixed list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput
from civicideas.text import clean_text
from exchange.models import SUMMARY_MAX, TEXT_MAX, TITLE_MAX, Practice

if TYPE_CHECKING:
    from civicideas.tenancy.models import City

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


def clean_choices(values: Sequence[str], allowed: Any, field: str) -> list[str]:
    valid = set(allowed.values)
    out = []
    for value in values:
        if value not in valid:
            raise InvalidInput(_("%(field)s: unknown choice.") % {"field": field})
        if value not in out:
            out.append(value)
    return out
