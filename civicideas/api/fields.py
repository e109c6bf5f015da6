"""Serializer fields for input from API clients (see civicideas/inputs.py and
civicideas/text.py for the rules, docs/security.md for why).

Every relation field in the API is an :class:`IdRelatedField`: DRF's
``PrimaryKeyRelatedField`` hands the raw JSON value to the ORM and catches
only ``TypeError``/``ValueError``, so ``{"challenge": 1e999}`` (a float
infinity) raised ``OverflowError`` and answered 500. Here the value is parsed
first, with the one parser of ids: anything that is not an integer id is a
400 validation error before the database is asked.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicideas.inputs import BIGINT_MAX, is_integer_literal, parse_id
from civicideas.text import is_blank


@extend_schema_field(OpenApiTypes.INT)
class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key from a client: a JSON integer (or a string of ASCII
    digits, as form-encoded bodies send them) naming a row of the field's
    queryset. Booleans, floats, ``"1e3"``, non-ASCII digits and numbers
    outside 1..2**63-1 are refused with a validation error."""

    def to_internal_value(self, data: Any) -> Any:
        pk = parse_id(data)
        if pk is None:
            if is_integer_literal(data):  # a whole number, but no row's id
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(pk)


class VisibleCharField(serializers.CharField):
    """A ``CharField`` for which text of only invisible characters is blank
    (so ``required``/``allow_blank`` decide, with DRF's own messages)."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str) and data and is_blank(data):
            data = ""  # then DRF's "This field may not be blank." when not allowed
        return super().run_validation(data)


@extend_schema_field(OpenApiTypes.INT)
class IdField(serializers.IntegerField):
    """An id that is not looked up here (a filter in a query string, a
    criterion in a score list): ASCII digits or a JSON integer, 1..2**63-1.
    DRF's ``IntegerField`` reads an Arabic-Indic one (U+0661) as 1."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        value = parse_id(data)
        if value is not None:
            return value
        if is_integer_literal(data):
            negative = str(data).startswith("-") or str(data).strip("0") == ""
            if negative:
                self.fail("min_value", min_value=self.min_value)
            self.fail("max_value", max_value=self.max_value)
        self.fail("invalid")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "The field in every language the city wrote it in, by language "
        "code; the city's default language first.",
        "example": {"fr": "Des places plus vertes", "nl": "Groenere pleinen"},
    }
)
class TranslationsField(serializers.Field):
    """Read-only ``<field>_i18n``: every language of a city-authored text
    (``civicideas.content.translations``) next to the plain field, which
    stays the city's default language."""

    def __init__(self, field: str, **kwargs: Any) -> None:
        self.text_field = field
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, Any]:
        from civicideas.content.translations import all_languages

        return all_languages(value, self.text_field)
